-- One row per listing per snapshot day of every config store (kind: shopify_store in
-- crawlers/marketplaces.yaml: dct, treasures, madison, and any store added there later):
-- every marketplace in raw.listings without a dedicated staging model
-- (dedicated_staging_marketplaces, transformations/macros/staging.sql). The raw item, renamed
-- and cast, nothing derived: the SELECT of every staging.stg_*__listings model (macro
-- staging_listings_select), over the config stores' rows.
{{ staging_listings_select(config_store_filter(), between_days('snapshot_date')) }}
