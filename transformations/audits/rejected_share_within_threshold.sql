-- A marketplace-day whose share of rejected rows (rows breaking a row rule, over all the rows
-- staged that day) is above its max_rejected_share (seeds.marketplaces, '*' default): so many
-- bad rows mean a broken crawl or a changed site, not a few odd listings. One row per such
-- marketplace-day, with a message naming the day, the share, the threshold and the top rules.
-- {{ this }} holds the days being built (an incremental model's interval).
with

rejected as (
    select * from {{ this }}
),

{{ marketplace_rules_ctes() }}

rule_counts as (
    select
        marketplace,
        snapshot_date,
        rule,
        count(*) as rule_rows,
        max(snapshot_rows) as snapshot_rows
    from rejected
    group by
        marketplace,
        snapshot_date,
        rule
),

days as (
    select
        marketplace,
        snapshot_date,
        sum(rule_rows) as rows_rejected,
        max(snapshot_rows) as snapshot_rows,
        array_join(
            array_agg(rule || ' ' || cast(rule_rows as varchar) order by rule_rows desc, rule),
            ', '
        ) as top_rules
    from rule_counts
    group by
        marketplace,
        snapshot_date
),

judged as (
    select
        days.*,
        cast(days.rows_rejected as double) / days.snapshot_rows as rejected_share,
        {{ marketplace_rule('max_rejected_share') }} as max_rejected_share
    from days
    left join marketplaces
        on days.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
),

final as (
    select
        (
            marketplace || ' ' || cast(snapshot_date as varchar) || ': '
            || cast(rows_rejected as varchar) || ' of ' || cast(snapshot_rows as varchar) || ' rows rejected ('
            || cast(cast(round(100 * rejected_share, 1) as decimal(5, 1)) as varchar) || '%), above max_rejected_share '
            || cast(cast(round(100 * max_rejected_share, 1) as decimal(5, 1)) as varchar) || '%; top rules: '
            || top_rules
        ) as message,
        marketplace,
        snapshot_date,
        rejected_share,
        max_rejected_share,
        rows_rejected,
        snapshot_rows,
        top_rules
    from judged
    where rejected_share > max_rejected_share
)

select * from final
