-- No row of {{ this }} breaks a row rule (macro row_rejection_rule): such rows belong in
-- intermediate.int_listings_rejected. A hit means a model let a rejected row through.
with

listings as (
    select * from {{ this }}
),

{{ marketplace_rules_ctes() }}

final as (
    select
        {{ row_rejection_rule('listings') }} as rule,
        listings.marketplace,
        listings.snapshot_date,
        listings.listing_id,
        listings.price,
        listings.currency,
        listings.brand_raw,
        listings.title
    from listings
    left join marketplaces
        on listings.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
    where {{ row_rejection_rule('listings') }} is not null
)

select * from final
