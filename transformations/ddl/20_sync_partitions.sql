-- The raw tables' partitions, synced in full (FULL also drops partitions whose directory is
-- gone): `radar trino setup` and a full rebuild. It lists the whole lake, so a dated run skips
-- these and registers only its days' partitions instead (TrinoEngine.register_days:
-- system.register_partition, which the hive catalog allows with
-- hive.allow-register-partition-procedure=true).
call {{ raw_catalog }}.system.sync_partition_metadata('raw', 'listings', 'FULL');
call {{ raw_catalog }}.system.sync_partition_metadata('raw', 'crawl_manifests', 'FULL');
call {{ raw_catalog }}.system.sync_partition_metadata('raw', 'fx_rates', 'FULL');
