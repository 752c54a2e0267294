-- One row per vsp listing per snapshot day: the raw item, renamed and cast, nothing derived
-- (the column contract is the macro staging_listing_columns, transformations/macros/staging.sql).
with

listings as (
    select * from raw.listings
    where marketplace = 'vsp'
      and {{ between_days('snapshot_date') }}
),

manifests as (
    select
        marketplace,
        snapshot_date,
        crawl_id
    from raw.crawl_manifests
    where marketplace = 'vsp'
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
