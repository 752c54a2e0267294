-- One row per marketplace per snapshot day: what a person checking the data's health reads
-- first. Did the crawl get everything (manifest, counts)? Is the day complete, so it may count
-- an absent listing as gone? How many rows were set aside by a row rule, and why? How many
-- bags have no model from a seed alias (the analyst's loop: `radar catalogue`), or none at all?
with

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

-- per-marketplace rules (max_rejected_share); the '*' defaults for a marketplace not listed
{{ marketplace_rules_ctes() }}

final as (
    select
        snapshots.marketplace,
        snapshots.snapshot_date,
        snapshots.is_complete,
        snapshots.incomplete_rule,
        snapshots.incomplete_reasons,
        snapshots.expected_count,
        snapshots.item_count,
        snapshots.shifts_detected,
        snapshots.pages_refetched,
        snapshots.expected_count_after,
        snapshots.confirmations_requested,
        snapshots.listings_recovered,
        snapshots.disappearances_confirmed,
        snapshots.sales_confirmed,
        snapshots.confirmations_failed,
        snapshots.listings_seen,
        snapshots.listings_available,
        snapshots.previous_listings_seen,
        snapshots.rows_rejected,
        snapshots.rejected_share,
        snapshots.rows_rejected_by_rule,
        {{ marketplace_rule('max_rejected_share') }} as max_rejected_share,
        snapshots.listings_seen - snapshots.listings_with_seed_model as listings_without_seed_alias,
        snapshots.listings_without_model,
        case
            when snapshots.listings_seen > 0
                then round(cast(snapshots.listings_seen - snapshots.listings_with_seed_model as double) / snapshots.listings_seen, 4)
        end as share_without_seed_alias,
        case
            when snapshots.listings_seen > 0
                then round(cast(snapshots.listings_without_model as double) / snapshots.listings_seen, 4)
        end as share_without_model,
        {{ marketplace_rule('max_share_without_seed_alias') }} as max_share_without_seed_alias,
        {{ marketplace_rule('max_share_without_model') }} as max_share_without_model
    from snapshots
    left join marketplaces
        on snapshots.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
)

select * from final
