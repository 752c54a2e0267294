-- The week in numbers for the report: one row per week (Monday) of the last report_weeks
-- weeks up to the latest snapshot, all marketplaces together, with the week before's figures
-- and the changes (reports/, "The week in numbers"). Definitions as marts.kpi_segment_weekly
-- (supply at the end of the week, new listings, sales, sell-through, median days to sell), so
-- its totals equal the sums of that mart's segments. Reads only listings on sale in the window.
-- Parameters (Jinja, with defaults): report_weeks.
{%- set report_weeks = report_weeks | default(13) %}
with

listings as (
    select * from marts.dim_listing
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

as_of as (
    select max(snapshot_date) as as_of_date
    from snapshots
),

weeks as (
    select
        date_trunc('week', snapshots.snapshot_date) as week_start,
        max(as_of.as_of_date) as as_of_date
    from snapshots
    cross join as_of
    where snapshots.snapshot_date > date_add('week', -{{ report_weeks }}, as_of.as_of_date)
    group by
        date_trunc('week', snapshots.snapshot_date)
),

listing_weeks as (
    select
        weeks.week_start,
        weeks.as_of_date,
        date_add('day', 6, weeks.week_start) as week_end,
        listings.listed_date,
        coalesce(listings.sale_date, listings.withdrawn_date) as ended_date,
        listings.status,
        listings.sale_date,
        listings.days_to_sell
    from listings
    inner join weeks
        on listings.listed_date <= date_add('day', 6, weeks.week_start)
        and coalesce(listings.sale_date, listings.withdrawn_date, date '9999-12-31') >= weeks.week_start
),

weekly as (
    select
        week_start,
        max(as_of_date) as as_of_date,
        count_if(listed_date < week_start) as active_start,
        count_if(listed_date >= week_start) as new_listings,
        count_if(coalesce(ended_date, date '9999-12-31') > week_end) as active_end,
        count_if(status = 'sold' and sale_date between week_start and week_end) as sold_count,
        {{ percentile('case when sale_date between week_start and week_end then days_to_sell end', 0.5) }}
            as days_to_sell_median
    from listing_weeks
    group by
        week_start
),

rated as (
    select
        weekly.*,
        case
            when active_start + new_listings > 0
                then round(cast(sold_count as double) / (active_start + new_listings), 4)
        end as sell_through_rate
    from weekly
),

compared as (
    select
        rated.*,
        lag(active_end) over (order by week_start) as previous_active_end,
        lag(new_listings) over (order by week_start) as previous_new_listings,
        lag(sold_count) over (order by week_start) as previous_sold_count,
        lag(sell_through_rate) over (order by week_start) as previous_sell_through_rate,
        lag(days_to_sell_median) over (order by week_start) as previous_days_to_sell_median,
        lag(week_start) over (order by week_start) as previous_week_start
    from rated
),

final as (
    select
        week_start,
        cast(date_add('day', 6, week_start) as date) as week_end,
        as_of_date,
        date_add('day', 6, week_start) <= as_of_date as is_full_week,
        active_start,
        active_end,
        new_listings,
        sold_count,
        sell_through_rate,
        days_to_sell_median,
        case when previous_week_start = date_add('day', -7, week_start) then previous_active_end end
            as previous_active_end,
        case when previous_week_start = date_add('day', -7, week_start) then previous_new_listings end
            as previous_new_listings,
        case when previous_week_start = date_add('day', -7, week_start) then previous_sold_count end
            as previous_sold_count,
        case when previous_week_start = date_add('day', -7, week_start) then previous_sell_through_rate end
            as previous_sell_through_rate,
        case when previous_week_start = date_add('day', -7, week_start) then previous_days_to_sell_median end
            as previous_days_to_sell_median,
        case when previous_week_start = date_add('day', -7, week_start) then active_end - previous_active_end end
            as active_end_wow_change,
        case when previous_week_start = date_add('day', -7, week_start) then new_listings - previous_new_listings end
            as new_listings_wow_change,
        case when previous_week_start = date_add('day', -7, week_start) then sold_count - previous_sold_count end
            as sold_count_wow_change,
        case
            when previous_week_start = date_add('day', -7, week_start)
                then round(sell_through_rate - previous_sell_through_rate, 4)
        end as sell_through_rate_wow_change,
        case
            when previous_week_start = date_add('day', -7, week_start)
                then days_to_sell_median - previous_days_to_sell_median
        end as days_to_sell_median_wow_change
    from compared
)

select * from final
