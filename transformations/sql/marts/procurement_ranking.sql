-- Which models to buy: brand x model ranked by how surely they resell within the target
-- days and how much of retail they hold, with the evidence and a suggested maximum buy
-- price for the target margin. Window: the last lookback_days up to the latest snapshot.
-- Parameters (Jinja, with defaults): target_margin, target_days_to_sell, lookback_days,
-- min_sales.
--   sell_within_target_rate = sales within target days
--                             / (sales + listings still on sale older than the target)
--   expected_resale_usd     = median sold price of the sales within the target (else all sales)
--   suggested_max_buy_usd   = expected_resale_usd * (1 - target_margin)
--   procurement_score       = 0.6 * sell_within_target_rate + 0.4 * least(retention, 1.5) / 1.5
{%- set target_margin = target_margin | default(0.25) %}
{%- set target_days_to_sell = target_days_to_sell | default(30) %}
{%- set lookback_days = lookback_days | default(90) %}
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

windowed as (
    select
        listings.*,
        as_of.as_of_date,
        date_diff('day', listings.listed_date, as_of.as_of_date) as age_days
    from listings
    cross join as_of
    where
        listings.model is not null
        and (
            listings.status = 'active'
            or coalesce(listings.sale_date, listings.withdrawn_date)
            > date_add('day', -{{ lookback_days }}, as_of.as_of_date)
        )
),

per_model as (
    select
        brand,
        model,
        max(as_of_date) as as_of_date,
        count_if(status = 'sold') as sold_count,
        count_if(status = 'sold' and days_to_sell <= {{ target_days_to_sell }}) as sold_within_target,
        count_if(status = 'active') as active_supply,
        count_if(status = 'active' and age_days > {{ target_days_to_sell }}) as stale_supply,
        count(distinct marketplace) as marketplaces,
        {{ percentile("case when status = 'sold' then days_to_sell end", 0.5) }} as days_to_sell_median,
        {{ percentile("case when status = 'sold' then days_to_sell end", 0.75) }} as days_to_sell_p75,
        {{ percentile("case when status = 'sold' then sale_price_usd end", 0.5) }} as median_sold_price_usd,
        {{ percentile("case when status = 'sold' and days_to_sell <= " ~ target_days_to_sell ~ " then sale_price_usd end", 0.5) }}
            as median_fast_sold_price_usd,
        {{ percentile("case when status = 'sold' and retail_price_usd > 0 then sale_price_usd / retail_price_usd end", 0.5) }}
            as value_retention_median,
        {{ percentile("case when status = 'active' then last_price_usd end", 0.5) }} as median_ask_usd
    from windowed
    group by
        brand,
        model
),

scored as (
    select
        per_model.*,
        case
            when sold_count + stale_supply > 0
                then cast(sold_within_target as double) / (sold_count + stale_supply)
        end as sell_within_target_rate,
        coalesce(median_fast_sold_price_usd, median_sold_price_usd) as expected_resale_usd
    from per_model
    where sold_count >= {{ min_sales }}
),

final as (
    select
        row_number() over (
            order by
                0.6 * coalesce(sell_within_target_rate, 0)
                + 0.4 * least(coalesce(value_retention_median, 0.5), 1.5) / 1.5 desc,
                sold_count desc,
                brand,
                model
        ) as procurement_rank,
        brand,
        model,
        as_of_date,
        sold_count,
        sold_within_target,
        round(sell_within_target_rate, 4) as sell_within_target_rate,
        days_to_sell_median,
        days_to_sell_p75,
        round(median_sold_price_usd, 2) as median_sold_price_usd,
        round(expected_resale_usd, 2) as expected_resale_usd,
        round(value_retention_median, 4) as value_retention_median,
        active_supply,
        stale_supply,
        round(median_ask_usd, 2) as median_ask_usd,
        marketplaces,
        round(
            0.6 * coalesce(sell_within_target_rate, 0) + 0.4 * least(coalesce(value_retention_median, 0.5), 1.5) / 1.5,
            4
        ) as procurement_score,
        cast({{ target_margin }} as double) as target_margin,
        {{ target_days_to_sell }} as target_days_to_sell,
        round(expected_resale_usd * (1 - {{ target_margin }}), 0) as suggested_max_buy_usd
    from scored
)

select * from final
