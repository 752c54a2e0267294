-- One row per listing per snapshot day of every config store (kind: shopify_store in
-- crawlers/marketplaces.yaml: dct, treasures, madison, and any store added there later):
-- every marketplace in raw.listings without a dedicated staging model
-- (dedicated_staging_marketplaces, transformations/macros/staging.sql). The raw item, renamed
-- and cast, nothing derived; the same columns as every staging.stg_*__listings model.
with

listings as (
    select * from raw.listings
    where {{ config_store_filter() }}
      and {{ between_days('snapshot_date') }}
),

manifests as (
    select
        marketplace,
        snapshot_date,
        crawl_id
    from raw.crawl_manifests
    where {{ config_store_filter() }}
      and {{ between_days('snapshot_date') }}
),

-- only the crawl each day's manifest names (macro published_crawl_rows)
source as (
{{ published_crawl_rows() }}
),

final as (
    select
{{ staging_listing_columns() }}
    from source
)

select * from final
