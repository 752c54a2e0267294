-- raw.fx_rates: the ECB's euro reference rates, one partition per fetch day and feed
-- (radar/lake.py FX_RATE_SCHEMA; fetch_date and feed come from the path). Written by
-- crawlers/ecb_rates.py.
create table if not exists {{ raw_catalog }}.raw.fx_rates (
    rate_date date,
    currency varchar,
    units_per_eur double,
    source_url varchar,
    fetch_date date,
    feed varchar
)
with (
    external_location = '{{ lake_url }}/raw/fx_rates',
    format = 'PARQUET',
    partitioned_by = array['fetch_date', 'feed']
);
