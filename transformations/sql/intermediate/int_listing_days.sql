-- One row per listing per snapshot day it was seen: the day's canonical facts, the change
-- since the listing's previous sighting, and how many complete snapshots of its marketplace
-- passed without it in between (>= grace_days: it had gone and came back, a relist).
-- Incremental by day: a day's rows only read that day and the listing's earlier sightings.
-- A day whose row was rejected (intermediate.int_listings_rejected) but names the listing is a
-- sighting without a price: it has no row here, yet the listing was not absent that day.
with

unioned as (
    select * from intermediate.int_listings_unioned
    where snapshot_date <= date '{{ end_date }}'
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

-- rows set aside by a row rule (a price of 0, no brand...) that still name their listing: the
-- listing was on the site that day, a sighting without a price, so it never looks absent
rejected_sightings as (
    select distinct
        listing_key,
        snapshot_date
    from intermediate.int_listings_rejected
    where
        listing_key is not null
        and snapshot_date <= date '{{ end_date }}'
),

-- a listing first seen in a rejected row (e.g. at price 0) was on sale from that day, and
-- that row may be the only one with the site's published date (Fashionphile fetches it once)
rejected_firsts as (
    select
        listing_key,
        min(snapshot_date) as first_rejected_date,
        min(published_at) as rejected_published_at
    from intermediate.int_listings_rejected
    where
        listing_key is not null
        and snapshot_date <= date '{{ end_date }}'
    group by
        listing_key
),

-- per-marketplace rules; the '*' defaults for a marketplace the seed does not list
{{ marketplace_rules_ctes() }}

-- the listings of the interval: only their earlier sightings are read (a day's cost is its
-- listings', not the history's)
interval_listings as (
    select distinct listing_key
    from unioned
    where {{ between_days('snapshot_date') }}
),

{% if is_incremental -%}
-- a dated run continues from this model's own rows (a row carries the listing's first_seen_date
-- and the facts): the last sighting before the interval of each of its listings, looked for in
-- the 14 days before it first (a few partitions), then earlier only for the listings not found
    published_recent as (
        select * from {{ this }}
        where
            snapshot_date between date '{{ days_before(start_date, 14) }}' and date '{{ days_before(start_date, 1) }}'
            and listing_key in (select interval_listings.listing_key from interval_listings)
    ),

    published_older as (
        select * from {{ this }}
        where
            snapshot_date < date '{{ days_before(start_date, 14) }}'
            and listing_key in (select interval_listings.listing_key from interval_listings)
            and listing_key not in (select published_recent.listing_key from published_recent)
    ),

    history_ranked as (
        select
            listing_key,
            snapshot_date,
            price,
            price_usd,
            is_available,
            brand,
            model,
            size,
            condition,
            color,
            retail_price_usd,
            published_date,
            first_seen_date,
            row_number() over (partition by listing_key order by snapshot_date desc) as history_rank
        from (
            select * from published_recent
            union all
            select * from published_older
        ) as published
    ),
{%- else -%}
-- each listing's first sighting and its last one before the interval, in one pass
    history_ranked as (
        select
            unioned.listing_key,
            unioned.snapshot_date,
            unioned.price,
            unioned.price_usd,
            unioned.is_available,
            unioned.brand,
            unioned.model,
            unioned.size,
            unioned.condition,
            unioned.color,
            unioned.retail_price_usd,
            cast(
                date_add(
                    'hour', {{ marketplace_rule('utc_offset_hours') }},
                    coalesce(unioned.published_at, rejected_firsts.rejected_published_at)
                ) as date
            ) as published_date,
            min(unioned.snapshot_date) over (partition by unioned.listing_key) as first_seen_date,
            row_number() over (partition by unioned.listing_key order by unioned.snapshot_date desc) as history_rank
        from unioned
        left join rejected_firsts
            on unioned.listing_key = rejected_firsts.listing_key
        left join marketplaces
            on unioned.marketplace = marketplaces.marketplace
        cross join marketplace_defaults
        where
            unioned.snapshot_date < date '{{ start_date }}'
            and unioned.listing_key in (select interval_listings.listing_key from interval_listings)
    ),
{%- endif %}

history_last as (
    select
        listing_key,
        first_seen_date,
        snapshot_date as previous_seen_date,
        price as previous_price,
        price_usd as previous_price_usd,
        is_available as previous_is_available,
        brand as previous_brand,
        model as previous_model,
        size as previous_size,
        condition as previous_condition,
        color as previous_color,
        retail_price_usd as previous_retail_price_usd,
        published_date as previous_published_date
    from history_ranked
    where history_rank = 1
),

interval_days as (
    select
        unioned.*,
        lag(unioned.snapshot_date) over listing_days as lag_seen_date,
        lag(unioned.price) over listing_days as lag_price,
        lag(unioned.price_usd) over listing_days as lag_price_usd,
        lag(unioned.is_available) over listing_days as lag_is_available,
        min(unioned.snapshot_date) over (partition by unioned.listing_key) as interval_first_seen_date
    from unioned
    where {{ between_days('unioned.snapshot_date') }}
    window listing_days as (partition by unioned.listing_key order by unioned.snapshot_date)
),

joined as (
    select
        interval_days.*,
        least(
            coalesce(history_last.first_seen_date, interval_days.interval_first_seen_date),
            coalesce(rejected_firsts.first_rejected_date, date '9999-12-31')
        ) as first_seen_date,
        coalesce(interval_days.lag_seen_date, history_last.previous_seen_date) as previous_seen_date,
        coalesce(interval_days.lag_price, history_last.previous_price) as previous_price,
        coalesce(interval_days.lag_price_usd, history_last.previous_price_usd) as previous_price_usd,
        coalesce(interval_days.lag_is_available, history_last.previous_is_available) as previous_is_available,
        history_last.previous_brand as history_brand,
        history_last.previous_model as history_model,
        history_last.previous_size as history_size,
        history_last.previous_condition as history_condition,
        history_last.previous_color as history_color,
        history_last.previous_retail_price_usd as history_retail_price_usd,
        history_last.previous_published_date as history_published_date,
        cast(
            date_add(
                'hour', {{ marketplace_rule('utc_offset_hours') }},
                coalesce(interval_days.published_at, rejected_firsts.rejected_published_at)
            ) as date
        ) as published_local_date,
        {{ marketplace_rule('grace_days') }} as grace_days
    from interval_days
    left join history_last
        on interval_days.listing_key = history_last.listing_key
    left join rejected_firsts
        on interval_days.listing_key = rejected_firsts.listing_key
    left join marketplaces
        on interval_days.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
),

previous_rejected as (
    select
        interval_days.listing_key,
        interval_days.snapshot_date,
        max(rejected_sightings.snapshot_date) as previous_rejected_date
    from interval_days
    inner join rejected_sightings
        on interval_days.listing_key = rejected_sightings.listing_key
        and interval_days.snapshot_date > rejected_sightings.snapshot_date
    group by
        interval_days.listing_key,
        interval_days.snapshot_date
),

-- the previous sighting of any kind (priced, or a rejected row): absence is counted from it
with_sightings as (
    select
        joined.*,
        case
            when joined.previous_seen_date is not null
                then coalesce(greatest(joined.previous_seen_date, previous_rejected.previous_rejected_date), joined.previous_seen_date)
        end as previous_sighting_date
    from joined
    left join previous_rejected
        on joined.listing_key = previous_rejected.listing_key
        and joined.snapshot_date = previous_rejected.snapshot_date
),

with_snapshots as (
    select
        joined.*,
        today.is_complete as snapshot_is_complete,
        today.complete_snapshot_number,
        previous.complete_snapshot_number as previous_complete_snapshot_number
    from with_sightings as joined
    inner join snapshots as today
        on joined.marketplace = today.marketplace
        and joined.snapshot_date = today.snapshot_date
    left join snapshots as previous
        on joined.marketplace = previous.marketplace
        and joined.previous_sighting_date = previous.snapshot_date
),

final as (
    select
        snapshot_date,
        listing_key,
        marketplace,
        listing_id,
        url,
        title,
        brand,
        model,
        model_key,
        model_source,
        size,
        color,
        material,
        condition,
        currency,
        price,
        price_usd,
        compare_at_price_usd,
        retail_price_usd,
        is_available,
        published_local_date as published_date,
        least(coalesce(published_local_date, first_seen_date), first_seen_date) as listed_date,
        first_seen_date,
        previous_seen_date,
        previous_price,
        previous_price_usd,
        previous_is_available,
        previous_seen_date is null as is_first_sighting,
        coalesce(previous_price is not null and price <> previous_price, false) as is_price_change,
        coalesce(previous_price is not null and price < previous_price, false) as is_markdown,
        -- the facts dim_listing keeps from a listing's days, against its previous priced sighting
        -- (in the interval when lag_seen_date is set, else the last one before it)
        case
            when lag_seen_date is not null
                then (
                    brand is distinct from lag(brand) over listing_days
                    or model is distinct from lag(model) over listing_days
                    or size is distinct from lag(size) over listing_days
                    or condition is distinct from lag(condition) over listing_days
                    or color is distinct from lag(color) over listing_days
                    or retail_price_usd is distinct from lag(retail_price_usd) over listing_days
                    or published_local_date is distinct from lag(published_local_date) over listing_days
                )
            when previous_seen_date is not null
                then (
                    brand is distinct from history_brand
                    or model is distinct from history_model
                    or size is distinct from history_size
                    or condition is distinct from history_condition
                    or color is distinct from history_color
                    or retail_price_usd is distinct from history_retail_price_usd
                    or published_local_date is distinct from history_published_date
                )
            else true
        end as is_fact_change,
        snapshot_is_complete,
        complete_snapshot_number,
        -- complete snapshots strictly between the previous sighting (a rejected row too) and today
        case
            when previous_seen_date is null then null
            else
                complete_snapshot_number
                - (case when snapshot_is_complete then 1 else 0 end)
                - previous_complete_snapshot_number
        end as complete_snapshots_absent_before,
        coalesce(
            complete_snapshot_number
            - (case when snapshot_is_complete then 1 else 0 end)
            - previous_complete_snapshot_number >= grace_days,
            false
        ) as is_return
    from with_snapshots
    window listing_days as (partition by listing_key order by snapshot_date)
)

select * from final
