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


{#- Every staging.stg_*__listings model (the dedicated ones + stg_shopify_stores__listings),
    unioned: `marketplaces` is dedicated_staging_marketplaces + ['shopify_stores'], `day_filter`
    the model's between_days('snapshot_date'). int_listings_unioned and int_listings_rejected
    read the same rows through it. -#}
{%- macro staging_listings_union(marketplaces, day_filter) -%}
{%- for marketplace in marketplaces %}
    select * from staging.stg_{{ marketplace }}__listings
    where {{ day_filter }}
    {%- if not loop.last %}
    union all
    {%- endif %}
{%- endfor %}
{%- endmacro -%}
