-- The ECB's euro reference rates, one row per publication day and currency. Every fetch
-- (raw.fx_rates, one partition per fetch_date and feed) repeats the days it covers: the latest
-- fetch wins (the ECB never revises a published rate, so this only picks one of equal rows).
with

source as (
    select * from raw.fx_rates
),

ranked as (
    select
        rate_date,
        upper(trim(currency)) as currency,
        units_per_eur,
        fetch_date,
        feed,
        source_url,
        row_number() over (
            partition by rate_date, upper(trim(currency))
            order by fetch_date desc, feed, source_url
        ) as fetch_rank
    from source
    where rate_date is not null
),

final as (
    select
        rate_date,
        currency,
        units_per_eur,
        fetch_date,
        feed,
        source_url
    from ranked
    where fetch_rank = 1
)

select * from final
