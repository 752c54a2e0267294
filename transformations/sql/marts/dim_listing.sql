-- One row per listing (marketplace + its own id): what it is, when it was listed, seen and
-- sold, and how its price moved. Status comes from the listing's last episode
-- (intermediate.int_listing_lifecycle); days to sell from stored dates only, never "today".
-- Merged by listing_key (incremental_by_key): a dated run rebuilds the listings seen on its days
-- (priced or rejected) and those still active, whose end may come without a sighting.
with

-- `touched` is used only where is_incremental renders it (sqlfluff lints each branch apart: noqa ST03)
{% if is_incremental -%}
    touched as (  -- noqa: ST03
        {{ listings_seen_on_run_days(between_days('snapshot_date')) }}
        union distinct
        select listing_key from {{ this }}
        where status = 'active'
    ),

{% endif -%}
listing_days as (
    select * from intermediate.int_listing_days
    {%- if is_incremental %}
        where listing_key in (select touched.listing_key from touched)
    {%- endif %}
),

episodes as (
    select * from intermediate.int_listing_lifecycle
    {%- if is_incremental %}
        where listing_key in (select touched.listing_key from touched)
    {%- endif %}
),

latest_facts as (
    select
        listing_key,
        max(marketplace) as marketplace,
        max(listing_id) as listing_id,
        max_by(url, snapshot_date) as url,
        max_by(title, snapshot_date) as title,
        max_by(brand, snapshot_date) as brand,
        max_by(model, snapshot_date) as model,
        max_by(model_key, snapshot_date) as model_key,
        max_by(model_source, snapshot_date) as model_source,
        max_by(size, snapshot_date) as size,
        max_by(color, snapshot_date) as color,
        max_by(material, snapshot_date) as material,
        max_by(condition, snapshot_date) as condition,
        max_by(currency, snapshot_date) as currency,
        min(listed_date) as listed_date,
        min(published_date) as published_date,
        min(snapshot_date) as first_seen_date,
        max(snapshot_date) as last_seen_date,
        min_by(price_usd, snapshot_date) as first_price_usd,
        max_by(price_usd, snapshot_date) as last_price_usd,
        max_by(price, snapshot_date) as last_price,
        max(retail_price_usd) as retail_price_usd
    from listing_days
    group by
        listing_key
),

episode_totals as (
    select
        listing_key,
        count(*) - 1 as relist_count,
        sum(markdown_count) as markdown_count,
        sum(price_change_count) as price_change_count
    from episodes
    group by
        listing_key
),

last_episode as (
    select * from episodes
    where is_last_episode
),

final as (
    select
        latest_facts.listing_key,
        latest_facts.marketplace,
        latest_facts.listing_id,
        latest_facts.url,
        latest_facts.title,
        latest_facts.brand,
        latest_facts.model,
        latest_facts.model_key,
        latest_facts.model_source,
        latest_facts.size,
        latest_facts.color,
        latest_facts.material,
        latest_facts.condition,
        latest_facts.listed_date,
        latest_facts.published_date,
        latest_facts.first_seen_date,
        latest_facts.last_seen_date,
        coalesce(last_episode.end_reason, 'active') as status,
        case when last_episode.end_reason = 'sold' then last_episode.end_date end as sale_date,
        case when last_episode.end_reason = 'withdrawn' then last_episode.end_date end as withdrawn_date,
        case
            when last_episode.end_rule in ('shown_as_sold', 'first_seen_as_sold') then 'observed'
            when last_episode.end_reason = 'sold' then 'inferred'
        end as sale_evidence,
        last_episode.end_rule as status_rule,
        case
            when last_episode.end_reason = 'sold'
                then date_diff('day', latest_facts.listed_date, last_episode.end_date)
        end as days_to_sell,
        latest_facts.currency,
        latest_facts.first_price_usd,
        latest_facts.last_price_usd,
        case when last_episode.end_reason = 'sold' then latest_facts.last_price_usd end as sale_price_usd,
        latest_facts.retail_price_usd,
        case
            when latest_facts.retail_price_usd > 0
                then round(latest_facts.last_price_usd / latest_facts.retail_price_usd, 4)
        end as value_retention,
        episode_totals.markdown_count,
        episode_totals.price_change_count,
        episode_totals.relist_count,
        last_episode.start_date as current_episode_start_date
    from latest_facts
    inner join episode_totals
        on latest_facts.listing_key = episode_totals.listing_key
    inner join last_episode
        on latest_facts.listing_key = last_episode.listing_key
)

select * from final
