-- Weekly KPIs per segment: week (Monday) x marketplace x brand x model x size x condition x
-- colour. Supply and sales from marts.dim_listing (dates only), asks and markdowns from the
-- daily facts. Unknown attributes are grouped as 'Unknown'. Percentiles are exact (macro
-- percentile, transformations/macros/statistics.sql: the same on Trino and DuckDB). Weeks are
-- those the marketplace was crawled in.
with

listings as (
    select * from marts.dim_listing
),

listing_days as (
    select * from intermediate.int_listing_days
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

weeks as (
    select
        marketplace,
        date_trunc('week', snapshot_date) as week_start,
        max(snapshot_date) as last_snapshot_in_week
    from snapshots
    group by
        marketplace,
        date_trunc('week', snapshot_date)
),

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
        retail_price_usd
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
        {{ percentile('case when sale_date between week_start and week_end and retail_price_usd > 0 then sale_price_usd / retail_price_usd end', 0.5) }} as value_retention_median
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

day_facts as (
    select
        date_trunc('week', listing_days.snapshot_date) as week_start,
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
        listing_days.retail_price_usd,
        listing_days.is_markdown and not listing_days.is_return as is_markdown,
        listing_days.price,
        listing_days.previous_price,
        weeks.last_snapshot_in_week
    from listing_days
    inner join weeks
        on listing_days.marketplace = weeks.marketplace
        and date_trunc('week', listing_days.snapshot_date) = weeks.week_start
),

prices as (
    select
        week_start,
        marketplace,
        brand,
        model,
        size,
        condition,
        color,
        {{ percentile('case when snapshot_date = last_snapshot_in_week and is_available then price_usd end', 0.5) }} as median_ask_usd,
        {{ percentile('case when snapshot_date = last_snapshot_in_week and is_available and retail_price_usd > 0 then price_usd / retail_price_usd end', 0.5) }} as ask_retention_median,
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
)

select * from final
