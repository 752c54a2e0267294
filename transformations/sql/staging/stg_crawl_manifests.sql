-- One row per marketplace per snapshot day: how the crawl went, so later models can tell
-- complete snapshots (which may create sales) from incomplete ones (which never do).
-- A manifest row is trusted as complete only beside its own crawl's data: while a day is being
-- published again, a reader may meet the new data with the old row, or the row without its data
-- (radar/lake.py publish_staged; each crawl writes its crawl_id into its rows and its row).
with

source as (
    select * from raw.crawl_manifests
    where {{ between_days('snapshot_date') }}
),

listings as (
    select * from raw.listings
    where {{ between_days('snapshot_date') }}
),

-- the crawls whose rows are in each day's data partition ('' for rows written before crawl ids)
partition_crawls as (
    select
        marketplace,
        snapshot_date,
        count(*) as data_rows,
        count(distinct coalesce(crawl_id, '')) as data_crawls,
        max(coalesce(crawl_id, '')) as data_crawl_id
    from listings
    group by
        marketplace,
        snapshot_date
),

checked as (
    select
        source.*,
        coalesce(
            partition_crawls.data_crawls = 1
            and partition_crawls.data_crawl_id = coalesce(source.crawl_id, ''),
            false
        )
        -- an empty crawl has no rows to carry its id
        or (partition_crawls.data_rows is null and source.item_count = 0) as has_own_data
    from source
    left join partition_crawls
        on
            source.marketplace = partition_crawls.marketplace
            and source.snapshot_date = partition_crawls.snapshot_date
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
                then 'the data partition holds another crawl than this manifest (a publish was under way); read it again'
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
