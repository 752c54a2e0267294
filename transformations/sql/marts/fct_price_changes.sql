-- One row per price change: a listing's ask (in its marketplace currency) differs from its
-- previous sighting. FX moves alone are not price changes. Incremental by day.
with

listing_days as (
    select * from intermediate.int_listing_days
    where
        {{ between_days('snapshot_date') }}
        and is_price_change
),

final as (
    select
        snapshot_date as change_date,
        listing_key,
        marketplace,
        listing_id,
        brand,
        model,
        size,
        condition,
        color,
        previous_seen_date,
        currency,
        previous_price as old_price,
        price as new_price,
        previous_price_usd as old_price_usd,
        price_usd as new_price_usd,
        round((price - previous_price) / previous_price, 4) as change_pct,
        is_markdown,
        is_return as is_at_relist,
        listed_date,
        date_diff('day', listed_date, snapshot_date) as days_since_listed
    from listing_days
)

select * from final
