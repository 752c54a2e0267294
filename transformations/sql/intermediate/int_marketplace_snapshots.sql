-- One row per marketplace per snapshot day: was the snapshot complete enough to count an
-- absent listing as gone? Complete = the crawl's manifest says complete AND the number of
-- listings seen did not drop sharply against the previous snapshot (min_count_ratio).
-- complete_snapshot_number counts complete snapshots up to and including the day, so the
-- complete snapshots between two days are a difference of two numbers.
-- Merged by marketplace (incremental_by_key): a dated run counts the listings and rejected rows
-- of its own days only and takes the other days' counts from its published rows; every row of
-- a marketplace is written again (the running numbers and totals), a few rows a day.
with

manifests as (
    select * from staging.stg_crawl_manifests
),

listings as (
    select * from intermediate.int_listings_unioned
    {%- if is_incremental %}
        where {{ between_days('snapshot_date') }}
    {%- endif %}
),

rejected as (
    select * from intermediate.int_listings_rejected
    {%- if is_incremental %}
    where {{ between_days('snapshot_date') }}
    {%- endif %}
),

-- per-marketplace rules; the '*' defaults for a marketplace the seed does not list
{{ marketplace_rules_ctes() }}

-- `published_days` is used only where is_incremental renders it (sqlfluff lints each branch apart: noqa ST03)
{% if is_incremental -%}
    published_days as (  -- noqa: ST03
        select * from {{ this }}
        where not ({{ between_days('snapshot_date') }})
    ),

{% endif -%}
seen as (
    select
        marketplace,
        snapshot_date,
        count(*) as listings_seen,
        count_if(is_available) as listings_available,
        count_if(model_source in ('site_alias', 'title_alias')) as listings_with_seed_model,
        count_if(model is null) as listings_without_model
    from listings
    group by
        marketplace,
        snapshot_date
    {%- if is_incremental %}
        union all
        select
            marketplace,
            snapshot_date,
            listings_seen,
            listings_available,
            listings_with_seed_model,
            listings_without_model
        from published_days
        where listings_seen > 0
    {%- endif %}
),

rejected_by_rule as (
    select
        marketplace,
        snapshot_date,
        rule,
        count(*) as rule_rows
    from rejected
    group by
        marketplace,
        snapshot_date,
        rule
),

-- rows set aside by a row rule (intermediate.int_listings_rejected), most frequent rule first
rejected_days as (
    select
        marketplace,
        snapshot_date,
        sum(rule_rows) as rows_rejected,
        array_join(
            array_agg(rule || ' ' || cast(rule_rows as varchar) order by rule_rows desc, rule),
            ', '
        ) as rows_rejected_by_rule
    from rejected_by_rule
    group by
        marketplace,
        snapshot_date
    {%- if is_incremental %}
        union all
        select
            marketplace,
            snapshot_date,
            rows_rejected,
            rows_rejected_by_rule
        from published_days
        where rows_rejected > 0
    {%- endif %}
),

days as (
    select
        coalesce(manifests.marketplace, seen.marketplace) as marketplace,
        coalesce(manifests.snapshot_date, seen.snapshot_date) as snapshot_date,
        coalesce(manifests.is_complete, false) as manifest_complete,
        manifests.item_count,
        manifests.expected_count,
        manifests.incomplete_reasons,
        manifests.shifts_detected,
        manifests.pages_refetched,
        manifests.expected_count_after,
        manifests.confirmations_requested,
        manifests.listings_recovered,
        manifests.disappearances_confirmed,
        manifests.sales_confirmed,
        manifests.confirmations_failed,
        coalesce(seen.listings_seen, 0) as listings_seen,
        coalesce(seen.listings_available, 0) as listings_available,
        coalesce(seen.listings_with_seed_model, 0) as listings_with_seed_model,
        coalesce(seen.listings_without_model, 0) as listings_without_model
    from manifests
    full outer join seen
        on manifests.marketplace = seen.marketplace
        and manifests.snapshot_date = seen.snapshot_date
),

days_with_rejected as (
    select
        days.*,
        coalesce(rejected_days.rows_rejected, 0) as rows_rejected,
        rejected_days.rows_rejected_by_rule
    from days
    left join rejected_days
        on days.marketplace = rejected_days.marketplace
        and days.snapshot_date = rejected_days.snapshot_date
),

with_previous as (
    select
        days.*,
        lag(days.listings_seen) over (
            partition by days.marketplace
            order by days.snapshot_date
        ) as previous_listings_seen,
        {{ marketplace_rule('min_count_ratio') }} as min_count_ratio
    from days_with_rejected as days
    left join marketplaces
        on days.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
),

judged as (
    select
        with_previous.*,
        with_previous.manifest_complete
        and with_previous.listings_seen > 0
        and (
            with_previous.previous_listings_seen is null
            or with_previous.listings_seen >= with_previous.min_count_ratio * with_previous.previous_listings_seen
        ) as is_complete
    from with_previous
),

final as (
    select
        marketplace,
        snapshot_date,
        is_complete,
        case
            when not manifest_complete then 'manifest_incomplete'
            when listings_seen = 0 then 'no_listings'
            when not is_complete then 'listing_count_drop'
        end as incomplete_rule,
        incomplete_reasons,
        item_count,
        expected_count,
        shifts_detected,
        pages_refetched,
        expected_count_after,
        confirmations_requested,
        listings_recovered,
        disappearances_confirmed,
        sales_confirmed,
        confirmations_failed,
        listings_seen,
        listings_available,
        listings_with_seed_model,
        listings_without_model,
        rows_rejected,
        case
            when listings_seen + rows_rejected > 0
                then round(cast(rows_rejected as double) / (listings_seen + rows_rejected), 4)
        end as rejected_share,
        rows_rejected_by_rule,
        previous_listings_seen,
        sum(case when is_complete then 1 else 0 end) over (
            partition by marketplace
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as complete_snapshot_number,
        sum(case when is_complete then 1 else 0 end) over (
            partition by marketplace
        ) as complete_snapshots_total,
        max(snapshot_date) over (
            partition by marketplace
        ) as last_snapshot_date
    from judged
)

select * from final
