-- Days to sell by model for the report: the distribution (p10, quartiles, p90) of days to sell
-- of each model's sales in the last report_days days up to the latest snapshot, all
-- marketplaces together, ranked by sales. Reads only the window's sales.
-- Parameters (Jinja, with defaults): report_days, min_sales.
{%- set report_days = report_days | default(91) %}
{%- set min_sales = min_sales | default(5) %}
with

listings as (
    select * from marts.dim_listing
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

as_of as (
    select max(snapshot_date) as as_of_date
    from snapshots
),

sales as (
    select
        listings.brand,
        listings.model,
        listings.days_to_sell,
        as_of.as_of_date
    from listings
    cross join as_of
    where
        listings.status = 'sold'
        and listings.model is not null
        and listings.sale_date > date_add('day', -{{ report_days }}, as_of.as_of_date)
),

per_model as (
    select
        brand,
        model,
        max(as_of_date) as as_of_date,
        count(*) as sold_count,
        min(days_to_sell) as days_to_sell_min,
        {{ percentile('days_to_sell', 0.1) }} as days_to_sell_p10,
        {{ percentile('days_to_sell', 0.25) }} as days_to_sell_p25,
        {{ percentile('days_to_sell', 0.5) }} as days_to_sell_median,
        {{ percentile('days_to_sell', 0.75) }} as days_to_sell_p75,
        {{ percentile('days_to_sell', 0.9) }} as days_to_sell_p90,
        max(days_to_sell) as days_to_sell_max
    from sales
    group by
        brand,
        model
    having count(*) >= {{ min_sales }}
),

final as (
    select
        row_number() over (order by sold_count desc, days_to_sell_median, brand, model) as sales_rank,
        brand,
        model,
        as_of_date,
        sold_count,
        days_to_sell_min,
        days_to_sell_p10,
        days_to_sell_p25,
        days_to_sell_median,
        days_to_sell_p75,
        days_to_sell_p90,
        days_to_sell_max
    from per_model
)

select * from final
