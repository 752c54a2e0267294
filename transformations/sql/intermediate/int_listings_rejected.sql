-- Rows of the staging models that break a row rule (macro row_rejection_rule,
-- transformations/macros/row_rules.sql), set aside with the rule and their values as staged.
-- intermediate.int_listings_unioned leaves exactly these rows out, so a bad row never reaches
-- the marts; a row that still names its listing counts as a sighting without a price
-- (int_listing_days, int_listing_lifecycle), so it never makes the listing look gone.
-- The staged rows and the marketplace rules: macro staged_listing_ctes (macros/row_rules.sql).
with

{{ staged_listing_ctes(between_days('snapshot_date')) }}

judged as (
    select
        staged.*,
        {{ row_rejection_rule('staged') }} as rule,
        count(*) over (partition by staged.marketplace, staged.snapshot_date) as snapshot_rows
    from staged
    left join marketplaces
        on staged.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
),

final as (
    select
        marketplace,
        snapshot_date,
        marketplace || ':' || nullif(trim(listing_id), '') as listing_key,
        listing_id,
        rule,
        snapshot_rows,
        url,
        title,
        brand_raw,
        model_raw,
        size_raw,
        color_raw,
        material_raw,
        condition_raw,
        price,
        currency,
        compare_at_price,
        is_available,
        published_at,
        estimated_retail_price,
        variant_id,
        sku,
        product_type,
        scraped_at
    from judged
    where rule is not null
)

select * from final
