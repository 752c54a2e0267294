-- Rising and cooling models: week x brand x model over all marketplaces, with the
-- week-over-week change of sold count and median sold price, and a trend label.
-- Parameters (Jinja, with defaults): trend_min_sales, trend_threshold.
{%- set trend_min_sales = trend_min_sales | default(5) %}
{%- set trend_threshold = trend_threshold | default(0.2) %}
with

listings as (
    select * from marts.dim_listing
),

weekly as (
    select
        date_trunc('week', sale_date) as week_start,
        coalesce(brand, 'Unknown') as brand,
        coalesce(model, 'Unknown') as model,
        count(*) as sold_count,
        {{ percentile('sale_price_usd', 0.5) }} as median_sold_price_usd,
        {{ percentile('days_to_sell', 0.5) }} as days_to_sell_median
    from listings
    where status = 'sold'
    group by
        date_trunc('week', sale_date),
        coalesce(brand, 'Unknown'),
        coalesce(model, 'Unknown')
),

compared as (
    select
        weekly.*,
        coalesce(previous.sold_count, 0) as previous_sold_count,
        previous.median_sold_price_usd as previous_median_sold_price_usd
    from weekly
    left join weekly as previous
        on previous.week_start = date_add('day', -7, weekly.week_start)
        and weekly.brand = previous.brand
        and weekly.model = previous.model
),

final as (
    select
        week_start,
        brand,
        model,
        sold_count,
        previous_sold_count,
        sold_count - previous_sold_count as sold_count_wow_change,
        case
            when previous_sold_count > 0
                then round(cast(sold_count - previous_sold_count as double) / previous_sold_count, 4)
        end as sold_count_wow_pct,
        round(median_sold_price_usd, 2) as median_sold_price_usd,
        round(previous_median_sold_price_usd, 2) as previous_median_sold_price_usd,
        case
            when previous_median_sold_price_usd > 0
                then round(median_sold_price_usd / previous_median_sold_price_usd - 1, 4)
        end as median_sold_price_wow_pct,
        days_to_sell_median,
        case
            when sold_count + previous_sold_count < {{ trend_min_sales }} then 'thin'
            when previous_sold_count = 0 then 'rising'
            when cast(sold_count - previous_sold_count as double) / previous_sold_count >= {{ trend_threshold }}
                then 'rising'
            when cast(sold_count - previous_sold_count as double) / previous_sold_count <= -{{ trend_threshold }}
                then 'cooling'
            else 'steady'
        end as trend
    from compared
)

select * from final
