-- The price guide: what a bag sells for, by brand x model x size x condition (and colour family
-- where its sales support it), from the sales of the last window_weeks up to the latest
-- snapshot across every marketplace. Rows at four grains (grain): model, model_condition,
-- model_size_condition, model_size_condition_color; 'all' in size / condition / color means
-- every value. A row with fewer than min_sales sales takes its figures from the coarser row
-- (model_condition, then model) and says so in price_basis. Reads only the window: sales of the
-- last window_weeks and the listings on sale now, never the whole history.
-- Parameters (Jinja, with defaults): window_weeks, min_sales, min_color_sales, trend_threshold.
--   sell_through      = sales in the window / (sales in the window + listings on sale now)
--   trend_pct         = median sale price of the last half of the window / of the first half - 1
--   value_retention   = median of sale price / retail price, where the site shows the retail price
--   confidence        = A: own sales >= 20, IQR / median <= 0.35; B: own sales >= 10, IQR / median
--                       <= 0.6; C: other rows priced from their own sales; D: priced from a coarser row
{%- set window_weeks = window_weeks | default(12) %}
{%- set min_sales = min_sales | default(5) %}
{%- set min_color_sales = min_color_sales | default(20) %}
{%- set trend_threshold = trend_threshold | default(0.05) %}
{%- set basis_columns = [
    'sales_count', 'median_sale_price_usd', 'p25_sale_price_usd', 'p75_sale_price_usd',
    'median_days_to_sell', 'sell_through', 'recent_median_usd', 'earlier_median_usd',
    'recent_sales_count', 'earlier_sales_count', 'median_retail_price_usd', 'value_retention',
] %}
with

listings as (
    select * from marts.dim_listing
),

snapshots as (
    select * from intermediate.int_marketplace_snapshots
),

as_of as (
    select max(snapshot_date) as as_of_date
    from snapshots
    where snapshot_date <= date '{{ end_date }}'
),

in_window as (
    select
        listings.brand,
        listings.model,
        listings.model_key,
        coalesce(listings.size, 'Unknown') as size,
        coalesce(listings.condition, 'UNKNOWN') as condition,
        coalesce(listings.color, 'Unknown') as color,
        listings.status,
        listings.sale_date,
        listings.sale_price_usd,
        listings.days_to_sell,
        listings.retail_price_usd,
        listings.last_price_usd,
        as_of.as_of_date,
        listings.sale_date > date_add('day', -7 * {{ window_weeks // 2 }}, as_of.as_of_date) as is_recent_sale
    from listings
    cross join as_of
    where
        listings.model_key is not null
        and (
            listings.status = 'active'
            or (
                listings.status = 'sold'
                and listings.sale_date > date_add('day', -7 * {{ window_weeks }}, as_of.as_of_date)
                and listings.sale_date <= as_of.as_of_date
            )
        )
),

grouped as (
    select
        model_key,
        coalesce(size, 'all') as size,
        coalesce(condition, 'all') as condition,
        coalesce(color, 'all') as color,
        case
            when color is not null then 'model_size_condition_color'
            when size is not null then 'model_size_condition'
            when condition is not null then 'model_condition'
            else 'model'
        end as grain,
        max(brand) as brand,
        max(model) as model,
        max(as_of_date) as as_of_date,
        count_if(status = 'sold') as sales_count,
        count_if(status = 'active') as active_count,
        count_if(status = 'sold' and is_recent_sale) as recent_sales_count,
        count_if(status = 'sold' and not is_recent_sale) as earlier_sales_count,
        {{ percentile("case when status = 'sold' then sale_price_usd end", 0.5) }} as median_sale_price_usd,
        {{ percentile("case when status = 'sold' then sale_price_usd end", 0.25) }} as p25_sale_price_usd,
        {{ percentile("case when status = 'sold' then sale_price_usd end", 0.75) }} as p75_sale_price_usd,
        {{ percentile("case when status = 'sold' then days_to_sell end", 0.5) }} as median_days_to_sell,
        {{ percentile("case when status = 'sold' and is_recent_sale then sale_price_usd end", 0.5) }} as recent_median_usd,
        {{ percentile("case when status = 'sold' and not is_recent_sale then sale_price_usd end", 0.5) }} as earlier_median_usd,
        {{ percentile("case when status = 'sold' and retail_price_usd > 0 then retail_price_usd end", 0.5) }} as median_retail_price_usd,
        {{ percentile("case when status = 'sold' and retail_price_usd > 0 then sale_price_usd / retail_price_usd end", 0.5) }}
            as value_retention,
        {{ percentile("case when status = 'active' then last_price_usd end", 0.5) }} as median_ask_usd,
        case
            when count(*) > 0
                then cast(count_if(status = 'sold') as double) / count(*)
        end as sell_through
    from in_window
    group by grouping sets (
        (model_key, size, condition, color),
        (model_key, size, condition),
        (model_key, condition),
        (model_key)
    )
),

kept as (
    select * from grouped
    where
        grain <> 'model_size_condition_color'
        or sales_count >= {{ min_color_sales }}
),

model_condition as (
    select * from kept
    where grain = 'model_condition'
),

model_level as (
    select * from kept
    where grain = 'model'
),

based as (
    select
        kept.*,
        case
            when kept.sales_count >= {{ min_sales }} or kept.grain = 'model' then kept.grain
            when model_condition.sales_count >= {{ min_sales }} then 'model_condition'
            else 'model'
        end as price_basis,
    {%- for column in basis_columns %}
        model_condition.{{ column }} as condition_{{ column }},
        model_level.{{ column }} as model_{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    from kept
    left join model_condition
        on kept.model_key = model_condition.model_key
        and kept.condition = model_condition.condition
    inner join model_level
        on kept.model_key = model_level.model_key
),

priced as (
    select
        brand,
        model,
        model_key,
        size,
        condition,
        color,
        grain,
        price_basis,
        as_of_date,
        sales_count,
        active_count,
        median_ask_usd,
    {%- for column in basis_columns %}
        case
            when price_basis = grain then {{ column }}
            when price_basis = 'model_condition' then condition_{{ column }}
            else model_{{ column }}
        end as basis_{{ column }}{{ "," if not loop.last }}
    {%- endfor %}
    from based
),

final as (
    select
        brand,
        model,
        model_key,
        size,
        condition,
        color,
        grain,
        price_basis,
        as_of_date,
        date_add('day', 1 - 7 * {{ window_weeks }}, as_of_date) as window_start_date,
        sales_count,
        basis_sales_count,
        round(basis_median_sale_price_usd, 2) as median_sale_price_usd,
        round(basis_p25_sale_price_usd, 2) as p25_sale_price_usd,
        round(basis_p75_sale_price_usd, 2) as p75_sale_price_usd,
        round(basis_p75_sale_price_usd - basis_p25_sale_price_usd, 2) as iqr_usd,
        basis_median_days_to_sell as median_days_to_sell,
        round(basis_sell_through, 4) as sell_through,
        active_count,
        round(median_ask_usd, 2) as median_ask_usd,
        basis_recent_sales_count as recent_sales_count,
        round(basis_recent_median_usd, 2) as recent_median_usd,
        basis_earlier_sales_count as earlier_sales_count,
        round(basis_earlier_median_usd, 2) as earlier_median_usd,
        case
            when basis_earlier_median_usd > 0 and basis_recent_median_usd > 0
                then round(basis_recent_median_usd / basis_earlier_median_usd - 1, 4)
        end as trend_pct,
        case
            when basis_recent_sales_count < 3 or basis_earlier_sales_count < 3 then 'thin'
            when basis_recent_median_usd / basis_earlier_median_usd - 1 >= {{ trend_threshold }} then 'rising'
            when basis_recent_median_usd / basis_earlier_median_usd - 1 <= -{{ trend_threshold }} then 'falling'
            else 'steady'
        end as trend,
        round(basis_median_retail_price_usd, 2) as median_retail_price_usd,
        round(basis_value_retention, 4) as value_retention,
        case
            when price_basis <> grain or basis_sales_count < {{ min_sales }} then 'D'
            when
                sales_count >= 20
                and basis_p75_sale_price_usd - basis_p25_sale_price_usd <= 0.35 * basis_median_sale_price_usd
                then 'A'
            when
                sales_count >= 10
                and basis_p75_sale_price_usd - basis_p25_sale_price_usd <= 0.6 * basis_median_sale_price_usd
                then 'B'
            else 'C'
        end as confidence
    from priced
    where basis_sales_count > 0
)

select * from final
