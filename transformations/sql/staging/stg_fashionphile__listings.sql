-- One row per fashionphile listing per snapshot day: the raw item, renamed and cast, nothing derived
-- (the column contract is the macro staging_listing_columns, transformations/macros/staging.sql).
with

source as (
    select * from raw.listings
    where marketplace = 'fashionphile'
      and {{ between_days('snapshot_date') }}
),

final as (
    select
{{ staging_listing_columns() }}
    from source
)

select * from final
