{#- Staging of raw.listings: one column contract for every marketplace.

    dedicated_staging_marketplaces: the marketplaces with their own staging model
    staging.stg_<key>__listings (hand-written parsers, their own formats). Every other
    marketplace in raw.listings (the config stores of crawlers/marketplaces.yaml: dct,
    treasures, madison and any store added later) is staged by
    staging.stg_shopify_stores__listings, so a new config store needs no SQL.
    A key added here needs its staging model; int_listings_unioned unions the dedicated
    models and stg_shopify_stores__listings. -#}
{%- set dedicated_staging_marketplaces = ['rebag', 'vsp', 'fashionphile'] -%}

{#- The source filter of staging.stg_shopify_stores__listings: every marketplace without a
    dedicated staging model, e.g. marketplace not in ('rebag', 'vsp', 'fashionphile'). -#}
{%- macro config_store_filter(column='marketplace') -%}
{{ column }} not in ({% for key in dedicated_staging_marketplaces %}'{{ key }}'{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro -%}

{#- The rows of raw.listings that are published: in each day's partition, those of the crawl its
    raw.crawl_manifests row names (crawl_id; rows and rows without a manifest written before
    crawl ids: those without one). A partition may hold another crawl's file for a moment (a
    publish under way, or one that failed: radar/lake.py publish_staged), never read.
    `listings` and `manifests` are the model's import CTEs over raw.listings and raw.crawl_manifests
    (the same marketplaces and days). -#}
{%- macro published_crawl_rows(listings='listings', manifests='manifests') -%}
    select {{ listings }}.*
    from {{ listings }}
    left join {{ manifests }}
        on
            {{ listings }}.marketplace = {{ manifests }}.marketplace
            and {{ listings }}.snapshot_date = {{ manifests }}.snapshot_date
    where {{ listings }}.crawl_id is not distinct from {{ manifests }}.crawl_id
{%- endmacro -%}


{#- The select list of every staging.stg_*__listings model over raw.listings: rename and
    cast only, nothing derived (empty strings as NULL). -#}
{%- macro staging_listing_columns() -%}
        marketplace,
        listing_id,
        snapshot_date,
        url,
        title,
        nullif(trim(brand_raw), '') as brand_raw,
        nullif(trim(model_raw), '') as model_raw,
        nullif(trim(size_raw), '') as size_raw,
        nullif(trim(color_raw), '') as color_raw,
        nullif(trim(material_raw), '') as material_raw,
        nullif(trim(condition_raw), '') as condition_raw,
        cast(price as decimal(12, 2)) as price,
        upper(currency) as currency,
        cast(compare_at_price as decimal(12, 2)) as compare_at_price,
        available as is_available,
        published_at,
        cast(estimated_retail_price as decimal(12, 2)) as estimated_retail_price,
        variant_id,
        sku,
        product_type,
        scraped_at
{%- endmacro -%}


{#- The whole SELECT of a staging.stg_*__listings model, so every marketplace is staged the
    same way: the rows of raw.listings that `marketplace_filter` keeps (e.g.
    "marketplace = 'rebag'", or config_store_filter()) on the model's days (`day_filter`: its
    between_days('snapshot_date')), only those of the crawl each day's manifest names
    (published_crawl_rows), with the column contract (staging_listing_columns). -#}
{%- macro staging_listings_select(marketplace_filter, day_filter) -%}
with

listings as (
    select * from raw.listings
    where {{ marketplace_filter }}
      and {{ day_filter }}
),

manifests as (
    select
        marketplace,
        snapshot_date,
        crawl_id
    from raw.crawl_manifests
    where {{ marketplace_filter }}
      and {{ day_filter }}
),

-- only the crawl each day's manifest names
source as (
{{ published_crawl_rows() }}
),

final as (
    select
{{ staging_listing_columns() }}
    from source
)

select * from final
{%- endmacro -%}


{#- Every staging.stg_*__listings model (the dedicated ones + stg_shopify_stores__listings),
    unioned, on the days of `day_filter` (the model's between_days('snapshot_date')). The
    macro staged_listing_ctes below reads the staged rows through it. -#}
{%- macro staging_listings_union(day_filter) -%}
{%- for marketplace in dedicated_staging_marketplaces + ['shopify_stores'] %}
    select * from staging.stg_{{ marketplace }}__listings
    where {{ day_filter }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
{%- endmacro -%}


{#- Macros are loaded by file name, and one sees only the macros of files loaded before it: these
    two read marketplaces.sql and row_rules.sql, so they live here, after them.

    staged_listing_ctes(day_filter): the import CTEs of a model judging staged rows: the
    marketplace rules (marketplace_rules_ctes: `marketplaces`, `marketplace_defaults`) and
    `staged`, the rows of every staging.stg_*__listings model on the days of `day_filter` (the
    model's between_days('snapshot_date'); macro staging_listings_union).
    intermediate.int_listings_rejected keeps the staged rows that break a rule. -#}
{%- macro staged_listing_ctes(day_filter) -%}
-- per-marketplace rules (max_price of the row rules); the '*' defaults for a marketplace not listed
{{ marketplace_rules_ctes() }}

staged as (
{{ staging_listings_union(day_filter) }}
),
{%- endmacro -%}

{#- kept_listing_ctes(day_filter): staged_listing_ctes, then `listings`: the staged rows that
    break no row rule, the rows intermediate.int_listing_texts and int_listings_unioned keep. -#}
{%- macro kept_listing_ctes(day_filter) -%}
{{ staged_listing_ctes(day_filter) }}

-- a row breaking a row rule is in intermediate.int_listings_rejected instead
listings as (
    select staged.*
    from staged
    left join marketplaces
        on staged.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
    where {{ row_rejection_rule('staged') }} is null
),
{%- endmacro -%}
