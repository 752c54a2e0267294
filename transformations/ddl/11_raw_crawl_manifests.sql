-- raw.crawl_manifests: one row per crawl (marketplace, snapshot day), so SQL can tell
-- complete snapshots from incomplete ones (radar/lake.py MANIFEST_SCHEMA). The Hive connector
-- reads Parquet columns by name: older files without the movement columns read as NULL. A table
-- created before them needs `alter table ... add column <name> bigint` once per column (and
-- `add column crawl_id varchar` for the crawl id, issue 11).
create table if not exists {{ raw_catalog }}.raw.crawl_manifests (
    item_count bigint,
    expected_count bigint,
    complete boolean,
    finish_reason varchar,
    started_at timestamp(3),
    finished_at timestamp(3),
    incomplete_reasons varchar,
    shifts_detected bigint,
    pages_refetched bigint,
    expected_count_after bigint,
    confirmations_requested bigint,
    listings_recovered bigint,
    disappearances_confirmed bigint,
    sales_confirmed bigint,
    confirmations_failed bigint,
    crawl_id varchar,
    marketplace varchar,
    snapshot_date date
)
with (
    external_location = '{{ lake_url }}/raw/crawl_manifests',
    format = 'PARQUET',
    partitioned_by = array['marketplace', 'snapshot_date']
);
