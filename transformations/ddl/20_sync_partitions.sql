-- New snapshot days appear as new directories: register them (and forget removed ones)
-- before every run. FULL also drops partitions whose directory is gone.
call {{ raw_catalog }}.system.sync_partition_metadata('raw', 'listings', 'FULL');
call {{ raw_catalog }}.system.sync_partition_metadata('raw', 'crawl_manifests', 'FULL');
call {{ raw_catalog }}.system.sync_partition_metadata('raw', 'fx_rates', 'FULL');
