-- One row per marketplace per snapshot day: how the crawl went, so later models can tell
-- complete snapshots (which may create sales) from incomplete ones (which never do).
with

source as (
    select * from raw.crawl_manifests
    where {{ between_days('snapshot_date') }}
),

final as (
    select
        marketplace,
        snapshot_date,
        complete as is_complete,
        item_count,
        expected_count,
        finish_reason,
        nullif(trim(incomplete_reasons), '') as incomplete_reasons,
        started_at,
        finished_at,
        shifts_detected,
        pages_refetched,
        expected_count_after,
        confirmations_requested,
        listings_recovered,
        disappearances_confirmed,
        sales_confirmed,
        confirmations_failed
    from source
)

select * from final
