-- raw.listings: the crawlers' Parquet, one partition per marketplace and snapshot day
-- (radar/lake.py RAW_LISTING_SCHEMA; partition columns come from the path and go last).
-- crawl_id: added by issue 11; a table created before needs
-- `alter table ... add column crawl_id varchar` once (older files read NULL).
-- Timestamps are UTC; timestamp(3) is the Hive connector's default precision.
create table if not exists {{ raw_catalog }}.raw.listings (
    listing_id varchar,
    url varchar,
    title varchar,
    brand_raw varchar,
    model_raw varchar,
    size_raw varchar,
    color_raw varchar,
    material_raw varchar,
    condition_raw varchar,
    price decimal(12,2),
    currency varchar,
    compare_at_price decimal(12,2),
    available boolean,
    published_at timestamp(3),
    estimated_retail_price decimal(12,2),
    variant_id varchar,
    sku varchar,
    product_type varchar,
    raw_attributes varchar,
    scraped_at timestamp(3),
    crawl_id varchar,
    marketplace varchar,
    snapshot_date date
)
with (
    external_location = '{{ lake_url }}/raw/listings',
    format = 'PARQUET',
    partitioned_by = array['marketplace', 'snapshot_date']
);
