-- When listings are first marked down, for the report: marts.report_markdowns' first
-- markdowns counted by week of the listing's life (days 0-6 = week 0), with their share.
with

markdowns as (
    select * from marts.report_markdowns
),

weekly as (
    select
        days_to_first_markdown / 7 as listing_week,
        max(as_of_date) as as_of_date,
        count(*) as first_markdowns
    from markdowns
    where days_to_first_markdown is not null
    group by
        days_to_first_markdown / 7
),

final as (
    select
        listing_week,
        listing_week * 7 as from_day,
        listing_week * 7 + 6 as to_day,
        as_of_date,
        first_markdowns,
        round(cast(first_markdowns as double) / sum(first_markdowns) over (), 4) as share_of_first_markdowns
    from weekly
)

select * from final
