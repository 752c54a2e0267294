-- One row per marketplace per snapshot day: how the crawl went, so later models can tell
-- complete snapshots (which may create sales) from incomplete ones (which never do).
-- A manifest row is trusted as complete only beside its own crawl's data: rows of its crawl_id in
-- the day's partition (radar/lake.py publish_staged writes the data first, the row after it, so
-- only a row whose data went missing fails this). Rows and manifests written before crawl ids
-- match each other (both NULL).
with

source as (
    select * from raw.crawl_manifests
    where {{ between_days('snapshot_date') }}
),

listings as (
    select * from raw.listings
    where {{ between_days('snapshot_date') }}
),

-- the rows of each crawl in each day's data partition ('' for rows written before crawl ids)
partition_crawls as (
    select
        marketplace,
        snapshot_date,
        coalesce(crawl_id, '') as crawl_key,
        count(*) as data_rows
    from listings
    group by
        marketplace,
        snapshot_date,
        coalesce(crawl_id, '')
),

checked as (
    select
        source.*,
        partition_crawls.data_rows is not null
        -- an empty crawl has no rows to carry its id
        or source.item_count = 0 as has_own_data
    from source
    left join partition_crawls
        on source.marketplace = partition_crawls.marketplace
        and source.snapshot_date = partition_crawls.snapshot_date
        and coalesce(source.crawl_id, '') = partition_crawls.crawl_key
),

final as (
    select
        marketplace,
        snapshot_date,
        coalesce(complete and has_own_data, false) as is_complete,
        item_count,
        expected_count,
        finish_reason,
        case
            when complete and not has_own_data
                then 'the data partition holds none of this manifest''s crawl rows (its data is missing); publish the day again'
            else nullif(trim(incomplete_reasons), '')
        end as incomplete_reasons,
        started_at,
        finished_at,
        shifts_detected,
        pages_refetched,
        expected_count_after,
        confirmations_requested,
        listings_recovered,
        disappearances_confirmed,
        sales_confirmed,
        confirmations_failed,
        crawl_id
    from checked
)

select * from final
