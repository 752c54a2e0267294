-- One row per listing per snapshot day it was seen: the day's ask, availability and price
-- movement, for daily supply and price charts. Incremental by day: a day reads only that
-- day's sightings (and their previous sighting, already in intermediate.int_listing_days).
with

listing_days as (
    select * from intermediate.int_listing_days
    where {{ between_days('snapshot_date') }}
),

final as (
    select
        snapshot_date,
        listing_key,
        marketplace,
        listing_id,
        brand,
        model,
        size,
        color,
        material,
        condition,
        currency,
        price,
        price_usd,
        compare_at_price_usd,
        retail_price_usd,
        case when retail_price_usd > 0 then round(price_usd / retail_price_usd, 4) end as ask_retention,
        is_available,
        listed_date,
        date_diff('day', listed_date, snapshot_date) as days_since_listed,
        is_first_sighting,
        is_return,
        is_price_change,
        is_markdown,
        case when is_price_change then round(price_usd - previous_price_usd, 2) end as price_change_usd,
        snapshot_is_complete
    from listing_days
)

select * from final
