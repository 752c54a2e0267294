-- One row per listing episode (a continuous time on sale). A new episode starts when a
-- listing is seen again after at least grace_days complete snapshots without it (a relist).
-- How an episode ended (docs/market-model.md, "Sales"):
--   shown_as_sold        last sighting has available = false: an observed sale; sale date =
--                        the first snapshot after the last available sighting that is complete
--                        or shows it sold
--   first_seen_as_sold   already shown sold at its first sighting: sold before we looked; the
--                        sale date (its first sighting) is only an upper bound
--   consignment_expired  gone after >= consignment_days on sale: withdrawn
--   gone_without_sold_flag  gone, and the marketplace flags every sale (unflagged_exit =
--                        withdrawn): withdrawn
--   absent_N_complete_snapshots  gone for N >= grace_days complete snapshots: an inferred
--                        sale, dated on the first complete snapshot after the last sighting
--                        (the day after it when every snapshot is complete)
--   relisted             it came back (only episodes before the last)
-- Incomplete snapshots never count as absence, so they never end an episode.
-- A rejected row that names the listing (intermediate.int_listings_rejected: a price of 0, no
-- brand...) is a sighting without a price: it extends the episode's last_seen_date, so a bad
-- row never makes a listing look gone, and it is never read as a sale or a price.
-- Merged by listing_key (incremental_by_key): a dated run rebuilds only the listings it touches,
-- those seen on its days (priced or rejected) and those with an episode whose end may still
-- change (fewer than grace_days complete snapshots after its last sighting), each from all its
-- days; complete_snapshots_after is counted up to grace_days, so a settled episode never changes.
with

-- per-marketplace rules; the '*' defaults for a marketplace the seed does not list
{{ marketplace_rules_ctes() }}

-- `touched` is used only where is_incremental renders it (sqlfluff lints each branch apart: noqa ST03)
{% if is_incremental -%}
    touched as (  -- noqa: ST03
        {{ listings_seen_on_run_days(between_days('snapshot_date')) }}
        union distinct
        select published.listing_key from {{ this }} as published
        left join marketplaces
            on published.marketplace = marketplaces.marketplace
        cross join marketplace_defaults
        where published.complete_snapshots_after < greatest({{ marketplace_rule('grace_days') }}, 1)
    ),

{% endif -%}
listing_days as (
    select * from intermediate.int_listing_days
    {%- if is_incremental %}
        where listing_key in (select touched.listing_key from touched)
    {%- endif %}
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

rejected_sightings as (
    select
        listing_key,
        snapshot_date,
        is_available
    from intermediate.int_listings_rejected
    -- sqlfluff lays out each branch of the if apart and cannot indent both at once
    -- noqa: disable=LT02
    where
        listing_key is not null
        {%- if is_incremental %}
            and listing_key in (select touched.listing_key from touched)
        {%- endif %}
),
-- noqa: enable=LT02

marketplace_totals as (
    select
        marketplace,
        max(complete_snapshots_total) as complete_snapshots_total,
        max(last_snapshot_date) as last_snapshot_date
    from snapshots
    group by
        marketplace
),

numbered as (
    select
        listing_days.*,
        sum(case when is_first_sighting or is_return then 1 else 0 end) over (
            partition by listing_key
            order by snapshot_date
            rows between unbounded preceding and current row
        ) as episode_number
    from listing_days
),

episodes as (
    select
        listing_key,
        episode_number,
        max(marketplace) as marketplace,
        min(snapshot_date) as start_date,
        max(snapshot_date) as last_priced_date,
        min(listed_date) as listed_date,
        count(*) as sightings,
        max(case when is_available then snapshot_date end) as last_available_priced_date,
        max_by(is_available, snapshot_date) as last_is_available,
        min_by(price_usd, snapshot_date) as first_price_usd,
        max_by(price_usd, snapshot_date) as last_price_usd,
        min_by(price, snapshot_date) as first_price,
        max_by(price, snapshot_date) as last_price,
        count_if(is_markdown and not is_return) as markdown_count,
        count_if(is_price_change and not is_return) as price_change_count,
        max(complete_snapshot_number) as complete_number_at_last_priced
    from numbered
    group by
        listing_key,
        episode_number
),

episodes_bounded as (
    select
        episodes.*,
        lead(episodes.start_date) over (
            partition by episodes.listing_key
            order by episodes.episode_number
        ) as next_start_date
    from episodes
),

-- the last rejected row naming the listing after the episode's last priced sighting (and
-- before its next episode): the listing was still on the site
rejected_after as (
    select
        episodes_bounded.listing_key,
        episodes_bounded.episode_number,
        max(rejected_sightings.snapshot_date) as last_rejected_date
    from episodes_bounded
    inner join rejected_sightings
        on episodes_bounded.listing_key = rejected_sightings.listing_key
        and episodes_bounded.last_priced_date < rejected_sightings.snapshot_date
        and rejected_sightings.snapshot_date < coalesce(episodes_bounded.next_start_date, date '9999-12-31')
    group by
        episodes_bounded.listing_key,
        episodes_bounded.episode_number
),

-- the last rejected row of the episode that showed the listing for sale: a sold flag seen
-- later dates the sale after it, even when a priced sighting came between
rejected_available as (
    select
        episodes_bounded.listing_key,
        episodes_bounded.episode_number,
        max(rejected_sightings.snapshot_date) as last_rejected_available_date
    from episodes_bounded
    inner join rejected_sightings
        on episodes_bounded.listing_key = rejected_sightings.listing_key
        and rejected_sightings.is_available
        and episodes_bounded.start_date <= rejected_sightings.snapshot_date
        and rejected_sightings.snapshot_date < coalesce(episodes_bounded.next_start_date, date '9999-12-31')
    group by
        episodes_bounded.listing_key,
        episodes_bounded.episode_number
),

episodes_seen as (
    select
        episodes_bounded.*,
        coalesce(rejected_after.last_rejected_date, episodes_bounded.last_priced_date) as last_seen_date,
        case
            when
                rejected_available.last_rejected_available_date is not null
                and (
                    episodes_bounded.last_available_priced_date is null
                    or rejected_available.last_rejected_available_date > episodes_bounded.last_available_priced_date
                )
                then rejected_available.last_rejected_available_date
            else episodes_bounded.last_available_priced_date
        end as last_available_date,
        coalesce(rejected_snapshot.complete_snapshot_number, episodes_bounded.complete_number_at_last_priced)
            as complete_number_at_last_seen
    from episodes_bounded
    left join rejected_after
        on episodes_bounded.listing_key = rejected_after.listing_key
        and episodes_bounded.episode_number = rejected_after.episode_number
    left join rejected_available
        on episodes_bounded.listing_key = rejected_available.listing_key
        and episodes_bounded.episode_number = rejected_available.episode_number
    left join snapshots as rejected_snapshot
        on episodes_bounded.marketplace = rejected_snapshot.marketplace
        and rejected_after.last_rejected_date = rejected_snapshot.snapshot_date
),

episodes_with_next as (
    select
        episodes.*,
        case
            when episodes.episode_number = 1 then least(episodes.listed_date, episodes.start_date)
            else episodes.start_date
        end as on_sale_since,
        -- counted up to grace_days (at least 1): beyond that the episode's end no longer changes
        least(
            marketplace_totals.complete_snapshots_total - episodes.complete_number_at_last_seen,
            greatest({{ marketplace_rule('grace_days') }}, 1)
        ) as complete_snapshots_after,
        marketplace_totals.last_snapshot_date,
        {{ marketplace_rule('grace_days') }} as grace_days,
        {{ marketplace_rule('consignment_days') }} as consignment_days,
        {{ marketplace_rule('unflagged_exit') }} as unflagged_exit
    from episodes_seen as episodes
    inner join marketplace_totals
        on episodes.marketplace = marketplace_totals.marketplace
    left join marketplaces
        on episodes.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
),

-- the first complete snapshot after the last sighting / last available sighting: the day the
-- absence (or the sold flag) is first established; an incomplete day never dates an end
complete_days as (
    select
        marketplace,
        snapshot_date
    from snapshots
    where is_complete
),

next_complete as (
    select
        episodes_with_next.listing_key,
        episodes_with_next.episode_number,
        min(case
            when complete_days.snapshot_date > episodes_with_next.last_seen_date
                then complete_days.snapshot_date
        end) as first_complete_after_last_seen,
        min(case
            when complete_days.snapshot_date > episodes_with_next.last_available_date
                then complete_days.snapshot_date
        end) as first_complete_after_last_available
    from episodes_with_next
    inner join complete_days
        on episodes_with_next.marketplace = complete_days.marketplace
        and complete_days.snapshot_date > coalesce(episodes_with_next.last_available_date, episodes_with_next.last_seen_date)
    group by
        episodes_with_next.listing_key,
        episodes_with_next.episode_number
),

first_unavailable as (
    select
        numbered.listing_key,
        numbered.episode_number,
        min(numbered.snapshot_date) as first_unavailable_after_last_available
    from numbered
    inner join episodes_seen as episodes
        on numbered.listing_key = episodes.listing_key
        and numbered.episode_number = episodes.episode_number
    where
        not numbered.is_available
        and numbered.snapshot_date > coalesce(episodes.last_available_date, date '1900-01-01')
    group by
        numbered.listing_key,
        numbered.episode_number
),

episodes_dated as (
    select
        episodes_with_next.*,
        next_complete.first_complete_after_last_seen,
        next_complete.first_complete_after_last_available,
        first_unavailable.first_unavailable_after_last_available
    from episodes_with_next
    left join next_complete
        on episodes_with_next.listing_key = next_complete.listing_key
        and episodes_with_next.episode_number = next_complete.episode_number
    left join first_unavailable
        on episodes_with_next.listing_key = first_unavailable.listing_key
        and episodes_with_next.episode_number = first_unavailable.episode_number
),

classified as (
    select
        episodes_dated.*,
        case
            when next_start_date is not null then 'relisted'
            when not last_is_available then 'sold'
            when complete_snapshots_after < grace_days then null
            when date_diff('day', on_sale_since, last_seen_date) + 1 >= consignment_days then 'withdrawn'
            when unflagged_exit = 'withdrawn' then 'withdrawn'
            else 'sold'
        end as end_reason,
        case
            when next_start_date is not null then 'relisted'
            when not last_is_available and last_available_date is null and episode_number = 1
                then 'first_seen_as_sold'
            when not last_is_available then 'shown_as_sold'
            when complete_snapshots_after < grace_days then null
            when date_diff('day', on_sale_since, last_seen_date) + 1 >= consignment_days then 'consignment_expired'
            when unflagged_exit = 'withdrawn' then 'gone_without_sold_flag'
            else 'absent_' || cast(grace_days as varchar) || '_complete_snapshots'
        end as end_rule
    from episodes_dated
),

final as (
    select
        listing_key,
        marketplace,
        episode_number,
        start_date,
        last_seen_date,
        on_sale_since,
        sightings,
        last_available_date,
        last_is_available,
        first_price,
        last_price,
        first_price_usd,
        last_price_usd,
        markdown_count,
        price_change_count,
        next_start_date,
        next_start_date is null as is_last_episode,
        complete_snapshots_after,
        end_reason,
        end_rule,
        case
            when end_reason is null then null
            when end_rule = 'first_seen_as_sold' then start_date
            when end_rule = 'shown_as_sold' and last_available_date is null then start_date
            when end_rule = 'shown_as_sold'
                then least(
                    first_unavailable_after_last_available,
                    coalesce(first_complete_after_last_available, first_unavailable_after_last_available)
                )
            else coalesce(first_complete_after_last_seen, date_add('day', 1, last_seen_date))
        end as end_date
    from classified
)

select * from final
