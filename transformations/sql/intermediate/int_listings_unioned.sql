-- Every marketplace's listings, one row per listing per snapshot day, with canonical brand,
-- model, size, colour, material and condition and USD prices (daily FX).
-- The normalisation runs once per wording, in two steps: intermediate.int_listing_texts (the
-- text normalised) and intermediate.int_listing_texts_resolved (the seeds' brand, model,
-- size, colour, material and condition); here each listing-day finds its wording by text_key.
{#- The dedicated staging models (transformations/macros/staging.sql) and the one staging
    every config store, known or new (stg_shopify_stores__listings): no list of stores here. #}
{%- set sources = dedicated_staging_marketplaces + ['shopify_stores'] %}

with

-- per-marketplace rules (max_price of the row rules); the '*' defaults for a marketplace not listed
{{ marketplace_rules_ctes() }}

staged as (
{{ staging_listings_union(sources, between_days('snapshot_date')) }}
),

-- a row breaking a row rule (macros/row_rules.sql) is in intermediate.int_listings_rejected instead
listings as (
{{ kept_listing_rows('staged') }}
),

texts_resolved as (
    select * from intermediate.int_listing_texts_resolved
    where {{ between_days('snapshot_date') }}
),

-- USD per unit on each day: the ECB rate of the day, else the last one published before it
-- (at most 7 days old; intermediate.int_fx_usd_daily). USD itself needs no rate.
fx_rates as (
    select
        price_date,
        currency,
        usd_per_unit
    from intermediate.int_fx_usd_daily
    where currency <> 'USD'
        and {{ between_days('price_date') }}
),

final as (
    select
        listings.marketplace || ':' || listings.listing_id as listing_key,
        listings.marketplace,
        listings.listing_id,
        listings.snapshot_date,
        listings.url,
        listings.title,
        texts_resolved.brand,
        texts_resolved.model,
        texts_resolved.model_source,
        texts_resolved.model_key,
        texts_resolved.size,
        texts_resolved.color,
        texts_resolved.material,
        texts_resolved.condition,
        listings.brand_raw,
        listings.model_raw,
        listings.size_raw,
        listings.color_raw,
        listings.material_raw,
        listings.condition_raw,
        listings.currency,
        cast(listings.price as double) as price,
        cast(listings.compare_at_price as double) as compare_at_price,
        cast(listings.estimated_retail_price as double) as retail_price,
        round(cast(listings.price as double) * (case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end), 2) as price_usd,
        round(cast(listings.compare_at_price as double) * (case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end), 2) as compare_at_price_usd,
        round(cast(listings.estimated_retail_price as double) * (case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end), 2) as retail_price_usd,
        listings.is_available,
        listings.published_at,
        cast(listings.published_at as date) as published_date
    from listings
    inner join texts_resolved
        on listings.snapshot_date = texts_resolved.snapshot_date
        and {{ listing_text_key('listings') }} = texts_resolved.text_key
    left join fx_rates
        on listings.currency = fx_rates.currency
        and listings.snapshot_date = fx_rates.price_date
)

select * from final
