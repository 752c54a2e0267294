-- Across sites, for the report: the same model, size and condition on sale on two or more
-- marketplaces at once, with each site's median ask and the spread between the cheapest and
-- the dearest site. Reads only the listings on sale now.
-- Parameters (Jinja, with defaults): min_listings (per site and group).
{%- set min_listings = min_listings | default(1) %}
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

per_site as (
    select
        brand,
        model,
        size,
        condition,
        marketplace,
        count(*) as active_listings,
        {{ percentile('last_price_usd', 0.5) }} as median_ask_usd
    from listings
    where
        status = 'active'
        and model is not null
        and size is not null
        and condition is not null
        and last_price_usd > 0
    group by
        brand,
        model,
        size,
        condition,
        marketplace
    having count(*) >= {{ min_listings }}
),

grouped as (
    select
        per_site.*,
        count(*) over (partition by brand, model, size, condition) as marketplaces,
        min(median_ask_usd) over (partition by brand, model, size, condition) as cheapest_site_ask_usd,
        max(median_ask_usd) over (partition by brand, model, size, condition) as dearest_site_ask_usd
    from per_site
),

spread as (
    select
        grouped.*,
        round(dearest_site_ask_usd / cheapest_site_ask_usd - 1, 4) as price_spread_pct
    from grouped
    where marketplaces >= 2
),

final as (
    select
        dense_rank() over (
            order by spread.price_spread_pct desc, spread.brand, spread.model, spread.size, spread.condition
        ) as spread_rank,
        spread.brand,
        spread.model,
        spread.size,
        spread.condition,
        spread.marketplace,
        as_of.as_of_date,
        spread.active_listings,
        round(spread.median_ask_usd, 2) as median_ask_usd,
        spread.marketplaces,
        round(spread.cheapest_site_ask_usd, 2) as cheapest_site_ask_usd,
        round(spread.dearest_site_ask_usd, 2) as dearest_site_ask_usd,
        spread.price_spread_pct
    from spread
    cross join as_of
)

select * from final
