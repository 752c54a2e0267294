-- One row per madison listing per snapshot day: the raw item, renamed and cast, nothing derived.
with

source as (
    select * from raw.listings
    where marketplace = 'madison'
      and {{ between_days('snapshot_date') }}
),

final as (
    select
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
    from source
)

select * from final
