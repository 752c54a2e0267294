-- Deals across sites: the listings on sale on the latest snapshot whose cost to a buyer (the ask
-- plus the marketplace's fees, seeds.marketplace_fees) is below the price guide
-- (marts.model_price_guide) by at least min_margin_pct, ranked by expected margin and expected
-- days to sell. A listing is priced against its model x size x condition x colour row where one
-- exists, else its model x size x condition row; a row priced from a coarser one (other sizes
-- or conditions, price_basis <> grain) is too coarse for a deal and is left out.
-- Parameters (Jinja, with defaults): min_margin_pct, resale_fee_pct.
--   buy_cost_usd        = ask_usd * (1 + buyer_fee_pct) + buyer_fee_usd
--   expected_resale_usd = guide median sale price * (1 - resale_fee_pct)
--   expected_margin_usd = expected_resale_usd - buy_cost_usd
--   expected_margin_pct = expected_margin_usd / buy_cost_usd
{%- set min_margin_pct = min_margin_pct | default(0.15) %}
{%- set resale_fee_pct = resale_fee_pct | default(0.0) %}
with

listings as (
    select * from marts.dim_listing
),

guide as (
    select * from marts.model_price_guide
),

as_of as (
    select max(as_of_date) as as_of_date
    from guide
),

fees as (
    select * from seeds.marketplace_fees
    where marketplace <> '*'
),

fee_defaults as (
    select * from seeds.marketplace_fees
    where marketplace = '*'
),

on_sale as (
    select listings.*
    from listings
    inner join as_of
        on listings.last_seen_date = as_of.as_of_date
    where
        listings.status = 'active'
        and listings.model_key is not null
        and listings.last_price_usd > 0
),

priced as (
    select
        on_sale.listing_key,
        on_sale.marketplace,
        on_sale.listing_id,
        on_sale.url,
        on_sale.title,
        on_sale.brand,
        on_sale.model,
        on_sale.model_key,
        on_sale.size,
        on_sale.condition,
        on_sale.color,
        on_sale.listed_date,
        on_sale.last_seen_date as as_of_date,
        on_sale.last_price_usd as ask_usd,
        coalesce(fees.buyer_fee_pct, fee_defaults.buyer_fee_pct) as buyer_fee_pct,
        coalesce(fees.buyer_fee_usd, fee_defaults.buyer_fee_usd) as buyer_fee_usd,
        coalesce(by_color.grain, by_size.grain) as guide_grain,
        coalesce(by_color.price_basis, by_size.price_basis) as guide_price_basis,
        coalesce(by_color.confidence, by_size.confidence) as guide_confidence,
        coalesce(by_color.basis_sales_count, by_size.basis_sales_count) as guide_sales_count,
        coalesce(by_color.median_sale_price_usd, by_size.median_sale_price_usd) as guide_price_usd,
        coalesce(by_color.median_days_to_sell, by_size.median_days_to_sell) as expected_days_to_sell
    from on_sale
    cross join fee_defaults
    left join fees
        on on_sale.marketplace = fees.marketplace
    inner join guide as by_size
        on on_sale.model_key = by_size.model_key
        and coalesce(on_sale.size, 'Unknown') = by_size.size
        and coalesce(on_sale.condition, 'UNKNOWN') = by_size.condition
        and by_size.grain = 'model_size_condition'
    left join guide as by_color
        on on_sale.model_key = by_color.model_key
        and coalesce(on_sale.size, 'Unknown') = by_color.size
        and coalesce(on_sale.condition, 'UNKNOWN') = by_color.condition
        and coalesce(on_sale.color, 'Unknown') = by_color.color
        and by_color.grain = 'model_size_condition_color'
),

costed as (
    select
        priced.*,
        round(ask_usd * (1 + buyer_fee_pct) + buyer_fee_usd, 2) as buy_cost_usd,
        round(guide_price_usd * (1 - {{ resale_fee_pct }}), 2) as expected_resale_usd
    from priced
    where guide_price_basis = guide_grain
),

final as (
    select
        row_number() over (
            order by
                expected_resale_usd - buy_cost_usd desc,
                expected_days_to_sell,
                listing_key
        ) as deal_rank,
        listing_key,
        marketplace,
        listing_id,
        url,
        title,
        brand,
        model,
        model_key,
        size,
        condition,
        color,
        listed_date,
        as_of_date,
        ask_usd,
        buyer_fee_pct,
        buyer_fee_usd,
        buy_cost_usd,
        guide_grain,
        guide_price_basis,
        guide_confidence,
        guide_sales_count,
        guide_price_usd,
        expected_resale_usd,
        round(expected_resale_usd - buy_cost_usd, 2) as expected_margin_usd,
        round((expected_resale_usd - buy_cost_usd) / buy_cost_usd, 4) as expected_margin_pct,
        expected_days_to_sell,
        cast({{ min_margin_pct }} as double) as min_margin_pct
    from costed
    where expected_resale_usd - buy_cost_usd >= {{ min_margin_pct }} * buy_cost_usd
)

select * from final
