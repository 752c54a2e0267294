-- Every marketplace's listings, one row per listing per snapshot day, with canonical brand,
-- model, size, colour, material and condition and USD prices (daily FX).
-- The last step of the normalisation, which runs once per wording (marketplace + raw text
-- columns, keyed by text_key): intermediate.int_listing_texts (the text normalised) ->
-- int_listing_texts_modelled (brand, model) -> int_listing_texts_resolved (size, colour,
-- material, condition) -> here, where each listing-day finds its wording by text_key and
-- prices get USD.
with

-- the staged rows breaking no row rule (macro kept_listing_ctes, transformations/macros/row_rules.sql)
{{ kept_listing_ctes(between_days('snapshot_date')) }}

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
    where
        currency <> 'USD'
        and {{ between_days('price_date') }}
),

-- each listing-day with its USD per unit: 1 for USD, NULL when no rate covers the day
listings_fx as (
    select
        listings.*,
        case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end as usd_per_unit
    from listings
    left join fx_rates
        on listings.currency = fx_rates.currency
        and listings.snapshot_date = fx_rates.price_date
),

final as (
    select
        listings_fx.marketplace || ':' || listings_fx.listing_id as listing_key,
        listings_fx.marketplace,
        listings_fx.listing_id,
        listings_fx.snapshot_date,
        listings_fx.url,
        listings_fx.title,
        texts_resolved.brand,
        texts_resolved.model,
        texts_resolved.model_source,
        texts_resolved.model_key,
        texts_resolved.size,
        texts_resolved.color,
        texts_resolved.material,
        texts_resolved.condition,
        listings_fx.brand_raw,
        listings_fx.model_raw,
        listings_fx.size_raw,
        listings_fx.color_raw,
        listings_fx.material_raw,
        listings_fx.condition_raw,
        listings_fx.currency,
        cast(listings_fx.price as double) as price,
        cast(listings_fx.compare_at_price as double) as compare_at_price,
        cast(listings_fx.estimated_retail_price as double) as retail_price,
        round(cast(listings_fx.price as double) * listings_fx.usd_per_unit, 2) as price_usd,
        round(cast(listings_fx.compare_at_price as double) * listings_fx.usd_per_unit, 2) as compare_at_price_usd,
        round(cast(listings_fx.estimated_retail_price as double) * listings_fx.usd_per_unit, 2) as retail_price_usd,
        listings_fx.is_available,
        listings_fx.published_at,
        cast(listings_fx.published_at as date) as published_date
    from listings_fx
    inner join texts_resolved
        on listings_fx.snapshot_date = texts_resolved.snapshot_date
        and {{ listing_text_key('listings_fx') }} = texts_resolved.text_key
)

select * from final
