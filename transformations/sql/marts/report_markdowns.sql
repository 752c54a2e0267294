-- Markdowns for the report: one row per listing sold or first marked down in the last
-- report_days days up to the latest snapshot, with the days from listing to its first
-- markdown and the discount from its first ask to its last (the sale price when sold).
-- Reads only the window's listings and price changes.
-- Parameters (Jinja, with defaults): report_days.
{%- set report_days = report_days | default(91) %}
with

listings as (
    select * from marts.dim_listing
),

price_changes as (
    select * from marts.fct_price_changes
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

as_of as (
    select max(snapshot_date) as as_of_date
    from snapshots
),

first_markdowns as (
    select
        price_changes.listing_key,
        min(price_changes.days_since_listed) as days_to_first_markdown
    from price_changes
    cross join as_of
    where
        price_changes.is_markdown
        and not price_changes.is_at_relist
        and price_changes.change_date > date_add('day', -{{ report_days }}, as_of.as_of_date)
    group by
        price_changes.listing_key
),

windowed as (
    select
        listings.listing_key,
        listings.marketplace,
        listings.brand,
        listings.model,
        listings.status,
        listings.sale_date,
        listings.days_to_sell,
        listings.first_price_usd,
        listings.last_price_usd,
        listings.markdown_count,
        first_markdowns.days_to_first_markdown,
        as_of.as_of_date
    from listings
    cross join as_of
    left join first_markdowns
        on listings.listing_key = first_markdowns.listing_key
    where
        first_markdowns.listing_key is not null
        or (
            listings.status = 'sold'
            and listings.sale_date > date_add('day', -{{ report_days }}, as_of.as_of_date)
        )
),

final as (
    select
        listing_key,
        marketplace,
        brand,
        model,
        status,
        as_of_date,
        sale_date,
        days_to_sell,
        markdown_count,
        days_to_first_markdown,
        round(first_price_usd, 2) as first_price_usd,
        round(last_price_usd, 2) as last_price_usd,
        case
            when first_price_usd > 0
                then round(1 - last_price_usd / first_price_usd, 4)
        end as discount_depth
    from windowed
)

select * from final
