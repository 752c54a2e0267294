-- Weekly KPIs per segment: week (Monday) x marketplace x brand x model x size x condition x
-- colour. Supply and sales from marts.dim_listing (dates only), asks and markdowns from the
-- daily facts. Unknown attributes are grouped as 'Unknown'. Percentiles are exact (macro
-- percentile, transformations/macros/statistics.sql: the same on Trino and DuckDB). Weeks are
-- those the marketplace was crawled in.
-- Merged by (week_start, marketplace) (incremental_by_key): a dated run recomputes, per
-- marketplace, the weeks from the first day a listing it touched may count differently:
-- the day after the listing's previous sighting (an end inferred or undone), its end date,
-- its episode's start when it was shown sold (a first_seen_as_sold end), its listed date when
-- its facts changed (int_listing_days.is_fact_change), and the run's own days; and the week
-- before them, for the week-on-week columns. The asks and markdowns (from int_listing_days,
-- whose earlier days a run never changes) are computed for the run's own weeks and for weeks
-- gaining a segment row; the other recomputed weeks keep their published ones, so a run reads
-- int_listing_days of a few weeks, not of every week a touched listing pulls in.
with

listings as (
    select * from marts.dim_listing
),

listing_days as (
    select * from intermediate.int_listing_days
),

-- `run_listing_days` is used only where is_incremental renders it (sqlfluff lints each branch apart: noqa ST03)
{% if is_incremental -%}
    run_listing_days as (  -- noqa: ST03
        select * from intermediate.int_listing_days
        where {{ between_days('snapshot_date') }}
    ),

{% endif -%}

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

all_weeks as (
    select
        marketplace,
        date_trunc('week', snapshot_date) as week_start,
        max(snapshot_date) as last_snapshot_in_week
    from snapshots
    group by
        marketplace,
        date_trunc('week', snapshot_date)
),

{% if is_incremental -%}
    {{ marketplace_rules_ctes() }}

    -- the last complete snapshot number before the run, per marketplace
    numbers_before as (
        select
            marketplace,
            max(complete_snapshot_number) as number_before
        from snapshots
        where snapshot_date < date '{{ start_date }}'
        group by
            marketplace
    ),

    -- per marketplace, the earliest day whose last sighting may have settled (an end inferred
    -- from absence) during the run: fewer than grace_days complete snapshots after it before the run
    settle_cutoffs as (
        select
            snapshots.marketplace,
            min(snapshots.snapshot_date) as cutoff_date
        from snapshots
        left join numbers_before
            on snapshots.marketplace = numbers_before.marketplace
        left join marketplaces
            on snapshots.marketplace = marketplaces.marketplace
        cross join marketplace_defaults
        where
            snapshots.complete_snapshot_number >= coalesce(numbers_before.number_before, 0)
            - greatest({{ marketplace_rule('grace_days') }}, 1)
        group by
            snapshots.marketplace
    ),

    seen_listings as (
        select
            listing_key,
            marketplace,
            min(
                case
                    when is_fact_change then least(listed_date, snapshot_date)
                    else coalesce(date_add('day', 1, previous_seen_date), snapshot_date)
                end
            ) as from_date,
            bool_or(previous_is_available = false) as was_shown_sold
        from run_listing_days
        group by
            listing_key,
            marketplace
    ),

    rejected_listings as (
        select distinct listing_key
        from intermediate.int_listings_rejected
        where
            listing_key is not null
            and {{ between_days('snapshot_date') }}
    ),

    settled_listings as (
        select episodes.listing_key
        from intermediate.int_listing_lifecycle as episodes
        inner join settle_cutoffs
            on episodes.marketplace = settle_cutoffs.marketplace
        where
            episodes.is_last_episode
            and episodes.last_seen_date >= settle_cutoffs.cutoff_date
    ),

    touched_listings as (
        select
            listings.marketplace,
            least(
                coalesce(seen_listings.from_date, date '9999-12-31'),
                date_add('day', 1, listings.last_seen_date),
                coalesce(listings.sale_date, date '9999-12-31'),
                coalesce(listings.withdrawn_date, date '9999-12-31'),
                case when seen_listings.was_shown_sold then listings.current_episode_start_date else date '9999-12-31' end
            ) as from_date
        from listings
        left join seen_listings
            on listings.listing_key = seen_listings.listing_key
        where
            listings.listing_key in (select seen.listing_key from seen_listings as seen)
            or listings.listing_key in (select rejected.listing_key from rejected_listings as rejected)
            or listings.listing_key in (select settled.listing_key from settled_listings as settled)
    ),

    first_touched as (
        select
            marketplace,
            min(from_date) as from_date
        from (
            select
                marketplace,
                from_date
            from touched_listings
            union all
            select
                marketplace,
                date '{{ start_date }}' as from_date
            from snapshots
            where {{ between_days('snapshot_date') }}
        ) as touched
        group by
            marketplace
    ),

    -- the weeks recomputed, and the week before the first of them (read for the week-on-week change)
    weeks as (
        select
            all_weeks.*,
            all_weeks.week_start >= date_trunc('week', first_touched.from_date) as is_touched
        from all_weeks
        inner join first_touched
            on all_weeks.marketplace = first_touched.marketplace
            and all_weeks.week_start >= date_add('day', -7, date_trunc('week', first_touched.from_date))
    ),
{%- else -%}
    weeks as (
        select
            all_weeks.*,
            true as is_touched
        from all_weeks
    ),
{%- endif %}

segmented as (
    select
        listing_key,
        marketplace,
        coalesce(brand, 'Unknown') as brand,
        coalesce(model, 'Unknown') as model,
        coalesce(size, 'Unknown') as size,
        coalesce(condition, 'Unknown') as condition,
        coalesce(color, 'Unknown') as color,
        listed_date,
        coalesce(sale_date, withdrawn_date) as ended_date,
        status,
        sale_date,
        days_to_sell,
        sale_price_usd,
        case when retail_price_usd > 0 then sale_price_usd / retail_price_usd end as value_retention
    from listings
),

listing_weeks as (
    select
        weeks.week_start,
        date_add('day', 6, weeks.week_start) as week_end,
        segmented.*
    from segmented
    inner join weeks
        on segmented.marketplace = weeks.marketplace
        and segmented.listed_date <= date_add('day', 6, weeks.week_start)
        and coalesce(segmented.ended_date, date '9999-12-31') >= weeks.week_start
),

supply as (
    select
        week_start,
        marketplace,
        brand,
        model,
        size,
        condition,
        color,
        count_if(listed_date < week_start) as active_start,
        count_if(listed_date >= week_start) as new_listings,
        count_if(coalesce(ended_date, date '9999-12-31') > week_end) as active_end,
        count_if(status = 'sold' and sale_date between week_start and week_end) as sold_count,
        count_if(status = 'withdrawn' and ended_date between week_start and week_end) as withdrawn_count,
        {{ percentile('case when sale_date between week_start and week_end then days_to_sell end', 0.25) }}
            as days_to_sell_p25,
        {{ percentile('case when sale_date between week_start and week_end then days_to_sell end', 0.5) }}
            as days_to_sell_median,
        {{ percentile('case when sale_date between week_start and week_end then days_to_sell end', 0.75) }}
            as days_to_sell_p75,
        {{ percentile('case when sale_date between week_start and week_end then sale_price_usd end', 0.5) }}
            as median_sold_price_usd,
        {{ percentile('case when sale_date between week_start and week_end then value_retention end', 0.5) }}
            as value_retention_median
    from listing_weeks
    group by
        week_start,
        marketplace,
        brand,
        model,
        size,
        condition,
        color
),

{% if is_incremental -%}
-- the published asks and markdowns of the recomputed weeks before the run's first week
    published_prices as (
        select
            published.week_start,
            published.marketplace,
            published.brand,
            published.model,
            published.size,
            published.condition,
            published.color,
            published.median_ask_usd,
            published.ask_retention_median,
            published.markdown_count,
            published.listings_marked_down,
            published.markdown_depth_avg
        from {{ this }} as published
        inner join weeks
            on published.marketplace = weeks.marketplace
            and published.week_start = weeks.week_start
        where
            weeks.is_touched
            and published.week_start < date_trunc('week', date '{{ start_date }}')
    ),

    -- weeks with a segment row the published table lacks (its asks were never kept)
    new_segment_weeks as (
        select distinct
            supply.marketplace,
            supply.week_start
        from supply
        left join published_prices
            on supply.week_start = published_prices.week_start
            and supply.marketplace = published_prices.marketplace
            and supply.brand = published_prices.brand
            and supply.model = published_prices.model
            and supply.size = published_prices.size
            and supply.condition = published_prices.condition
            and supply.color = published_prices.color
        where published_prices.week_start is null
    ),

    -- the weeks whose asks and markdowns are computed from int_listing_days
    price_weeks as (
        select
            weeks.marketplace,
            weeks.week_start,
            weeks.last_snapshot_in_week
        from weeks
        left join new_segment_weeks
            on weeks.marketplace = new_segment_weeks.marketplace
            and weeks.week_start = new_segment_weeks.week_start
        where
            weeks.is_touched
            and (
                weeks.week_start >= date_trunc('week', date '{{ start_date }}')
                or new_segment_weeks.week_start is not null
            )
    ),
{%- else -%}
    price_weeks as (
        select
            marketplace,
            week_start,
            last_snapshot_in_week
        from weeks
    ),
{%- endif %}

-- their snapshot days: int_listing_days is read by day (pruned by the engine's join filters)
price_days as (
    select
        snapshots.marketplace,
        snapshots.snapshot_date,
        price_weeks.week_start,
        price_weeks.last_snapshot_in_week
    from snapshots
    inner join price_weeks
        on snapshots.marketplace = price_weeks.marketplace
        and date_trunc('week', snapshots.snapshot_date) = price_weeks.week_start
),

day_facts as (
    select
        price_days.week_start,
        listing_days.marketplace,
        coalesce(listing_days.brand, 'Unknown') as brand,
        coalesce(listing_days.model, 'Unknown') as model,
        coalesce(listing_days.size, 'Unknown') as size,
        coalesce(listing_days.condition, 'Unknown') as condition,
        coalesce(listing_days.color, 'Unknown') as color,
        listing_days.listing_key,
        listing_days.snapshot_date,
        listing_days.is_available,
        listing_days.price_usd,
        case
            when listing_days.retail_price_usd > 0 then listing_days.price_usd / listing_days.retail_price_usd
        end as ask_retention,
        listing_days.is_markdown and not listing_days.is_return as is_markdown,
        listing_days.price,
        listing_days.previous_price,
        price_days.last_snapshot_in_week
    from listing_days
    inner join price_days
        on listing_days.marketplace = price_days.marketplace
        and listing_days.snapshot_date = price_days.snapshot_date
),

computed_prices as (
    select
        week_start,
        marketplace,
        brand,
        model,
        size,
        condition,
        color,
        {{ percentile('case when snapshot_date = last_snapshot_in_week and is_available then price_usd end', 0.5) }} as median_ask_usd,
        {{ percentile('case when snapshot_date = last_snapshot_in_week and is_available then ask_retention end', 0.5) }}
            as ask_retention_median,
        count_if(is_markdown) as markdown_count,
        count(distinct case when is_markdown then listing_key end) as listings_marked_down,
        avg(case when is_markdown then (previous_price - price) / previous_price end) as markdown_depth_avg
    from day_facts
    group by
        week_start,
        marketplace,
        brand,
        model,
        size,
        condition,
        color
),

prices as (
    select * from computed_prices
    {%- if is_incremental %}
    union all
    select published_prices.*
    from published_prices
    left join price_weeks
        on published_prices.marketplace = price_weeks.marketplace
        and published_prices.week_start = price_weeks.week_start
    where price_weeks.week_start is null
    {%- endif %}
),

combined as (
    select
        supply.*,
        prices.median_ask_usd,
        prices.ask_retention_median,
        coalesce(prices.markdown_count, 0) as markdown_count,
        coalesce(prices.listings_marked_down, 0) as listings_marked_down,
        prices.markdown_depth_avg
    from supply
    left join prices
        on supply.week_start = prices.week_start
        and supply.marketplace = prices.marketplace
        and supply.brand = prices.brand
        and supply.model = prices.model
        and supply.size = prices.size
        and supply.condition = prices.condition
        and supply.color = prices.color
),

final as (
    select
        combined.week_start,
        combined.marketplace,
        combined.brand,
        combined.model,
        combined.size,
        combined.condition,
        combined.color,
        combined.new_listings,
        combined.active_start,
        combined.active_end,
        combined.sold_count,
        combined.withdrawn_count,
        case
            when combined.active_start + combined.new_listings > 0
                then round(cast(combined.sold_count as double) / (combined.active_start + combined.new_listings), 4)
        end as sell_through_rate,
        combined.days_to_sell_p25,
        combined.days_to_sell_median,
        combined.days_to_sell_p75,
        round(combined.median_ask_usd, 2) as median_ask_usd,
        round(combined.median_sold_price_usd, 2) as median_sold_price_usd,
        combined.markdown_count,
        combined.listings_marked_down,
        case
            when combined.active_start + combined.new_listings > 0
                then round(
                    cast(combined.listings_marked_down as double) / (combined.active_start + combined.new_listings), 4
                )
        end as markdown_rate,
        round(combined.markdown_depth_avg, 4) as markdown_depth_avg,
        round(combined.value_retention_median, 4) as value_retention_median,
        round(combined.ask_retention_median, 4) as ask_retention_median,
        previous.sold_count as previous_sold_count,
        combined.sold_count - coalesce(previous.sold_count, 0) as sold_count_wow_change,
        case
            when previous.median_sold_price_usd > 0 and combined.median_sold_price_usd is not null
                then round(combined.median_sold_price_usd / previous.median_sold_price_usd - 1, 4)
        end as median_sold_price_wow_pct,
        combined.active_end - coalesce(previous.active_end, combined.active_start) as active_supply_wow_change
    from combined
    left join combined as previous
        on previous.week_start = date_add('day', -7, combined.week_start)
        and combined.marketplace = previous.marketplace
        and combined.brand = previous.brand
        and combined.model = previous.model
        and combined.size = previous.size
        and combined.condition = previous.condition
        and combined.color = previous.color
    inner join weeks as computed_weeks
        on combined.week_start = computed_weeks.week_start
        and combined.marketplace = computed_weeks.marketplace
    where computed_weeks.is_touched
)

select * from final
