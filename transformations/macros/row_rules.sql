{#- Row rules: the one definition of a listing row too broken to reach the marts
    (docs/market-model.md, "Rejected rows").

    row_rejection_rule(row): the name of the first rule the staging row `row` (an alias with the
    columns of staging_listing_columns()) breaks, or NULL when it breaks none:
        listing_id_missing   no product id (NULL or blank)
        price_missing        no price
        price_not_positive   price <= 0 (a site showing 0 for "price on request" or a glitch)
        price_absurd         price above max_price of seeds.marketplaces, in the row's currency
        brand_missing        neither brand_raw nor a title to read the brand from
        currency_missing     no currency (NULL or blank)
    price_absurd reads marketplace_rule('max_price'): the model joins the marketplace rules,
        {{ marketplace_rules_ctes() }} ...
        from <staging> as listings
        left join marketplaces on listings.marketplace = marketplaces.marketplace
        cross join marketplace_defaults
    intermediate.int_listings_rejected keeps the rows with a rule, int_listings_unioned the rows
    without one (macros staged_listing_ctes and kept_listing_ctes, macros/staging.sql). -#}
{%- macro row_rejection_rule(row) -%}
case
            when {{ row }}.listing_id is null or trim({{ row }}.listing_id) = '' then 'listing_id_missing'
            when {{ row }}.price is null then 'price_missing'
            when {{ row }}.price <= 0 then 'price_not_positive'
            when {{ row }}.price > {{ marketplace_rule('max_price') }} then 'price_absurd'
            when {{ row }}.brand_raw is null and coalesce(trim({{ row }}.title), '') = '' then 'brand_missing'
            when {{ row }}.currency is null or trim({{ row }}.currency) = '' then 'currency_missing'
        end
{%- endmacro -%}
