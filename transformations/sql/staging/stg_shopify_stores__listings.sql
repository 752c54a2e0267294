-- One row per listing per snapshot day of every config store (kind: shopify_store in
-- crawlers/marketplaces.yaml: dct, treasures, madison, and any store added there later):
-- every marketplace in raw.listings without a dedicated staging model
-- (dedicated_staging_marketplaces, transformations/macros/staging.sql). The raw item, renamed
-- and cast, nothing derived; the same columns as every staging.stg_*__listings model.
with

source as (
    select * from raw.listings
    where {{ config_store_filter() }}
      and {{ between_days('snapshot_date') }}
),

final as (
    select
{{ staging_listing_columns() }}
    from source
)

select * from final
