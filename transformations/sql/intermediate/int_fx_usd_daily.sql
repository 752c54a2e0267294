{%- set max_carry_days = 7 -%}
-- USD for one unit of each currency, for every calendar day an ECB rate covers: the rate of
-- that day, or of the last publication day before it (weekends, TARGET holidays, today before
-- the 16:00 CET publication), at most {{ max_carry_days }} days old. A day beyond that has no
-- row: int_listings_unioned's audit then stops the run naming currency and day.
with

rates as (
    select * from staging.stg_fx_rates
),

usd_per_eur as (
    select
        rate_date,
        units_per_eur as usd_per_eur
    from rates
    where currency = 'USD'
),

-- the cross rate needs the day's USD quote; EUR itself is 1 unit per EUR
quotes as (
    select
        rates.rate_date,
        rates.currency,
        rates.units_per_eur,
        usd_per_eur.usd_per_eur
    from rates
    inner join usd_per_eur
        on rates.rate_date = usd_per_eur.rate_date
    union all
    select
        rate_date,
        'EUR' as currency,
        1e0 as units_per_eur,
        usd_per_eur
    from usd_per_eur
),

quote_spans as (
    select
        rate_date,
        currency,
        units_per_eur,
        usd_per_eur,
        least(
            coalesce(
                lead(rate_date) over (partition by currency order by rate_date),
                date_add('day', {{ max_carry_days + 1 }}, rate_date)
            ),
            date_add('day', {{ max_carry_days + 1 }}, rate_date)
        ) as next_rate_date
    from quotes
),

carry_days as (
    select day_offset
    from unnest(sequence(0, {{ max_carry_days }})) as offsets (day_offset)  -- noqa: AL05
),

final as (
    select
        date_add('day', carry_days.day_offset, quote_spans.rate_date) as price_date,
        quote_spans.currency,
        quote_spans.rate_date,
        carry_days.day_offset as rate_age_days,
        quote_spans.units_per_eur,
        quote_spans.usd_per_eur,
        quote_spans.usd_per_eur / quote_spans.units_per_eur as usd_per_unit
    from quote_spans
    inner join carry_days
        on date_add('day', carry_days.day_offset, quote_spans.rate_date) < quote_spans.next_rate_date
)

select * from final
