{#- Per-marketplace rules of seeds.marketplaces, with the documented defaults (the '*' row) for
    a marketplace the seed does not list (a new config store, docs/market-model.md).

    marketplace_rules_ctes(): two import CTEs, `marketplaces` (the listed rows) and
    `marketplace_defaults` (the '*' row; exactly one, tests/test_seeds.py). Join them as
        left join marketplaces on x.marketplace = marketplaces.marketplace
        cross join marketplace_defaults
    and read a rule with marketplace_rule('grace_days'). -#}
{%- macro marketplace_rules_ctes() -%}
marketplaces as (
    select * from seeds.marketplaces
    where marketplace <> '*'
),

marketplace_defaults as (
    select * from seeds.marketplaces
    where marketplace = '*'
),
{%- endmacro -%}

{%- macro marketplace_rule(name) -%}
coalesce(marketplaces.{{ name }}, marketplace_defaults.{{ name }})
{%- endmacro -%}
