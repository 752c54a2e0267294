-- One row per Rebag listing per snapshot day: the raw item, renamed and cast, nothing derived.
-- The SELECT every staging.stg_*__listings model shares (macro staging_listings_select,
-- transformations/macros/staging.sql): raw.listings of this marketplace and the model's days,
-- only the crawl each day's manifest names, with the column contract staging_listing_columns.
{{ staging_listings_select("marketplace = 'rebag'", between_days('snapshot_date')) }}
