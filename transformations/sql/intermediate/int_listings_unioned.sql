-- Every marketplace's listings, one row per listing per snapshot day, with canonical brand,
-- model, size, colour, material and condition (seeds) and USD prices (daily FX).
-- Matching rule (docs/market-model.md): text is lower-cased, accents folded, punctuation
-- turned into spaces; an alias matches as whole words; the longest alias wins.
{%- macro norm(expression) -%}
trim(regexp_replace(lower(translate({{ expression }}, 'ÀÁÂÄÃÅàáâäãåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÖÕØòóôöõøÙÚÛÜùúûüÝýÿ', 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy')), '[^a-z0-9]+', ' '))
{%- endmacro %}
{%- macro contains(text, alias) -%}
strpos(' ' || {{ text }} || ' ', ' ' || {{ alias }} || ' ')
{%- endmacro %}
{#- The dedicated staging models (transformations/macros/staging.sql) and the one staging
    every config store, known or new (stg_shopify_stores__listings): no list of stores here. #}
{%- set sources = dedicated_staging_marketplaces + ['shopify_stores'] %}

with

{% for marketplace in sources %}
stg_{{ marketplace }} as (
    select
        marketplace,
        listing_id,
        snapshot_date,
        url,
        title,
        brand_raw,
        model_raw,
        size_raw,
        color_raw,
        material_raw,
        condition_raw,
        price,
        currency,
        compare_at_price,
        is_available,
        published_at,
        estimated_retail_price
    from staging.stg_{{ marketplace }}__listings
    where {{ between_days('snapshot_date') }}
),

{% endfor %}
brand_aliases as (
    select * from seeds.brand_aliases
),

model_aliases as (
    select * from seeds.model_aliases
),

model_sizes as (
    select * from seeds.model_sizes
),

color_families as (
    select * from seeds.color_families
),

material_families as (
    select * from seeds.material_families
),

conditions as (
    select * from seeds.conditions
),

fx_rates as (
    select * from seeds.fx_rates_usd
),

listings as (
{% for marketplace in sources %}
    select * from stg_{{ marketplace }}
    {% if not loop.last %}union all{% endif %}
{% endfor %}
),

-- Matching runs once per distinct wording, not once per listing-day.
texts as (
    select distinct
        marketplace,
        title,
        brand_raw,
        model_raw,
        size_raw,
        color_raw,
        material_raw,
        condition_raw
    from listings
),

texts_normalised as (
    select
        texts.*,
        coalesce({{ norm('texts.brand_raw') }}, '') as brand_text,
        coalesce({{ norm('texts.title') }}, '') as title_text,
        coalesce({{ norm('texts.model_raw') }}, '') as model_text,
        coalesce({{ norm('texts.size_raw') }}, '') as size_text,
        coalesce({{ norm('texts.color_raw') }}, '') as color_text,
        coalesce({{ norm('texts.material_raw') }}, '') as material_text,
        coalesce({{ norm('texts.condition_raw') }}, '') as condition_text,
        -- "Gold Hardware" names the hardware, not the bag's colour
        trim(regexp_replace(
            coalesce({{ norm('texts.title') }}, ''),
            '(rose |light |pale |antique |mixed |brushed )?[a-z]+ hardware',
            ' '
        )) as title_color_text
    from texts
),

-- brand: the whole brand_raw is an alias, else an alias opens the title ("Chanel // ...")
brand_candidates as (
    select
        texts_normalised.marketplace,
        texts_normalised.title,
        texts_normalised.brand_raw,
        brand_aliases.brand,
        case when texts_normalised.brand_text = brand_aliases.alias then 1 else 2 end as match_priority,
        length(brand_aliases.alias) as alias_length,
        case
            when {{ contains('texts_normalised.title_text', 'brand_aliases.alias') }} = 1
                then length(brand_aliases.alias)
            else 0
        end as title_prefix_length
    from texts_normalised
    inner join brand_aliases
        on texts_normalised.brand_text = brand_aliases.alias
        or {{ contains('texts_normalised.title_text', 'brand_aliases.alias') }} = 1
),

brand_best as (
    select
        marketplace,
        title,
        brand_raw,
        brand,
        -- the longest alias of the chosen brand that opens the title, whichever matched
        max(title_prefix_length) over (partition by marketplace, title, brand_raw, brand) as title_prefix_length,
        row_number() over (
            partition by marketplace, title, brand_raw
            order by match_priority, alias_length desc, brand
        ) as match_rank
    from brand_candidates
),

texts_branded as (
    select
        texts_normalised.*,
        coalesce(brand_best.brand, texts_normalised.brand_raw) as brand,
        -- the title without the brand that opens it: Bottega Veneta makes a bag called the
        -- Veneta, so "Bottega Veneta Jodie Mini" must not read as a Veneta
        trim(substr(texts_normalised.title_text, coalesce(brand_best.title_prefix_length, 0) + 1)) as model_title_text
    from texts_normalised
    left join brand_best
        on texts_normalised.marketplace = brand_best.marketplace
        and texts_normalised.title is not distinct from brand_best.title
        and texts_normalised.brand_raw is not distinct from brand_best.brand_raw
        and brand_best.match_rank = 1
),

-- model: the longest alias of the brand's dictionary found in model_raw or the title
model_candidates as (
    select
        texts_branded.marketplace,
        texts_branded.title,
        texts_branded.brand_raw,
        texts_branded.model_raw,
        model_aliases.model,
        case
            when {{ contains('texts_branded.model_text', 'model_aliases.alias') }} > 0 then 'model_raw'
            else 'title'
        end as model_source,
        length(model_aliases.alias) as alias_length
    from texts_branded
    inner join model_aliases
        on texts_branded.brand = model_aliases.brand
        and (
            {{ contains('texts_branded.model_text', 'model_aliases.alias') }} > 0
            or {{ contains('texts_branded.model_title_text', 'model_aliases.alias') }} > 0
        )
),

model_best as (
    select
        marketplace,
        title,
        brand_raw,
        model_raw,
        model,
        model_source,
        row_number() over (
            partition by marketplace, title, brand_raw, model_raw
            order by alias_length desc, model_source, model
        ) as match_rank
    from model_candidates
),

texts_modelled as (
    select
        texts_branded.*,
        model_best.model,
        model_best.model_source
    from texts_branded
    left join model_best
        on texts_branded.marketplace = model_best.marketplace
        and texts_branded.title is not distinct from model_best.title
        and texts_branded.brand_raw is not distinct from model_best.brand_raw
        and texts_branded.model_raw is not distinct from model_best.model_raw
        and model_best.match_rank = 1
),

-- size: size_raw first, then the title, then model_raw; the model's own sizes before the
-- generic ones; the longest token; the rightmost in the title
size_candidates as (
    select
        texts_modelled.marketplace,
        texts_modelled.title,
        texts_modelled.brand_raw,
        texts_modelled.model_raw,
        texts_modelled.size_raw,
        model_sizes.size,
        case
            when {{ contains('texts_modelled.size_text', 'model_sizes.alias') }} > 0 then 1
            when {{ contains('texts_modelled.title_text', 'model_sizes.alias') }} > 0 then 2
            else 3
        end as source_priority,
        case when model_sizes.model = '*' then 2 else 1 end as specificity,
        length(model_sizes.alias) as alias_length,
        {{ contains('texts_modelled.title_text', 'model_sizes.alias') }} as title_position
    from texts_modelled
    inner join model_sizes
        on (
            (model_sizes.brand = texts_modelled.brand and model_sizes.model = texts_modelled.model)
            or (model_sizes.brand = '*' and model_sizes.model = '*')
        )
        and (
            {{ contains('texts_modelled.size_text', 'model_sizes.alias') }} > 0
            or {{ contains('texts_modelled.title_text', 'model_sizes.alias') }} > 0
            or {{ contains('texts_modelled.model_text', 'model_sizes.alias') }} > 0
        )
),

size_best as (
    select
        marketplace,
        title,
        brand_raw,
        model_raw,
        size_raw,
        size,
        row_number() over (
            partition by marketplace, title, brand_raw, model_raw, size_raw
            order by source_priority, specificity, alias_length desc, title_position desc, size
        ) as match_rank
    from size_candidates
),

-- colour: color_raw first, else the title without "<x> hardware"; the rightmost, then longest
color_candidates as (
    select
        texts_normalised.marketplace,
        texts_normalised.title,
        texts_normalised.color_raw,
        color_families.color,
        case when {{ contains('texts_normalised.color_text', 'color_families.alias') }} > 0 then 1 else 2 end
            as source_priority,
        case
            when {{ contains('texts_normalised.color_text', 'color_families.alias') }} > 0
                then {{ contains('texts_normalised.color_text', 'color_families.alias') }}
            else {{ contains('texts_normalised.title_color_text', 'color_families.alias') }}
        end + length(color_families.alias) as end_position,
        length(color_families.alias) as alias_length
    from texts_normalised
    inner join color_families
        on {{ contains('texts_normalised.color_text', 'color_families.alias') }} > 0
        or {{ contains('texts_normalised.title_color_text', 'color_families.alias') }} > 0
),

color_best as (
    select
        marketplace,
        title,
        color_raw,
        color,
        row_number() over (
            partition by marketplace, title, color_raw
            order by source_priority, end_position desc, alias_length desc, color
        ) as match_rank
    from color_candidates
),

-- material: material_raw first, else the title; the longest alias
material_candidates as (
    select
        texts_normalised.marketplace,
        texts_normalised.title,
        texts_normalised.material_raw,
        material_families.material,
        case when {{ contains('texts_normalised.material_text', 'material_families.alias') }} > 0 then 1 else 2 end
            as source_priority,
        case
            when {{ contains('texts_normalised.material_text', 'material_families.alias') }} > 0
                then {{ contains('texts_normalised.material_text', 'material_families.alias') }}
            else {{ contains('texts_normalised.title_text', 'material_families.alias') }}
        end as match_position,
        length(material_families.alias) as alias_length
    from texts_normalised
    inner join material_families
        on {{ contains('texts_normalised.material_text', 'material_families.alias') }} > 0
        or {{ contains('texts_normalised.title_text', 'material_families.alias') }} > 0
),

material_best as (
    select
        marketplace,
        title,
        material_raw,
        material,
        row_number() over (
            partition by marketplace, title, material_raw
            order by source_priority, alias_length desc, match_position, material
        ) as match_rank
    from material_candidates
),

-- condition: the marketplace's own scale before the generic one; the longest grade found
condition_candidates as (
    select
        texts_normalised.marketplace,
        texts_normalised.condition_raw,
        conditions.condition,
        case when conditions.marketplace = '*' then 2 else 1 end as scale_priority,
        length(conditions.condition_raw) as alias_length
    from texts_normalised
    inner join conditions
        on (conditions.marketplace = texts_normalised.marketplace or conditions.marketplace = '*')
        and {{ contains('texts_normalised.condition_text', 'conditions.condition_raw') }} > 0
),

condition_best as (
    select
        marketplace,
        condition_raw,
        condition,
        row_number() over (
            partition by marketplace, condition_raw
            order by scale_priority, alias_length desc, condition
        ) as match_rank
    from condition_candidates
),

texts_canonical as (
    select
        texts_modelled.marketplace,
        texts_modelled.title,
        texts_modelled.brand_raw,
        texts_modelled.model_raw,
        texts_modelled.size_raw,
        texts_modelled.color_raw,
        texts_modelled.material_raw,
        texts_modelled.condition_raw,
        texts_modelled.brand,
        texts_modelled.model,
        texts_modelled.model_source,
        coalesce(size_best.size, texts_modelled.size_raw) as size,
        color_best.color,
        material_best.material,
        condition_best.condition
    from texts_modelled
    left join size_best
        on texts_modelled.marketplace = size_best.marketplace
        and texts_modelled.title is not distinct from size_best.title
        and texts_modelled.brand_raw is not distinct from size_best.brand_raw
        and texts_modelled.model_raw is not distinct from size_best.model_raw
        and texts_modelled.size_raw is not distinct from size_best.size_raw
        and size_best.match_rank = 1
    left join color_best
        on texts_modelled.marketplace = color_best.marketplace
        and texts_modelled.title is not distinct from color_best.title
        and texts_modelled.color_raw is not distinct from color_best.color_raw
        and color_best.match_rank = 1
    left join material_best
        on texts_modelled.marketplace = material_best.marketplace
        and texts_modelled.title is not distinct from material_best.title
        and texts_modelled.material_raw is not distinct from material_best.material_raw
        and material_best.match_rank = 1
    left join condition_best
        on texts_modelled.marketplace = condition_best.marketplace
        and texts_modelled.condition_raw is not distinct from condition_best.condition_raw
        and condition_best.match_rank = 1
),

final as (
    select
        listings.marketplace || ':' || listings.listing_id as listing_key,
        listings.marketplace,
        listings.listing_id,
        listings.snapshot_date,
        listings.url,
        listings.title,
        texts_canonical.brand,
        texts_canonical.model,
        texts_canonical.model_source,
        texts_canonical.size,
        texts_canonical.color,
        texts_canonical.material,
        texts_canonical.condition,
        listings.brand_raw,
        listings.model_raw,
        listings.size_raw,
        listings.color_raw,
        listings.material_raw,
        listings.condition_raw,
        listings.currency,
        cast(listings.price as double) as price,
        cast(listings.compare_at_price as double) as compare_at_price,
        cast(listings.estimated_retail_price as double) as retail_price,
        round(cast(listings.price as double) * fx_rates.usd_per_unit, 2) as price_usd,
        round(cast(listings.compare_at_price as double) * fx_rates.usd_per_unit, 2) as compare_at_price_usd,
        round(cast(listings.estimated_retail_price as double) * fx_rates.usd_per_unit, 2) as retail_price_usd,
        listings.is_available,
        listings.published_at,
        cast(listings.published_at as date) as published_date
    from listings
    inner join texts_canonical
        on listings.marketplace = texts_canonical.marketplace
        and listings.title is not distinct from texts_canonical.title
        and listings.brand_raw is not distinct from texts_canonical.brand_raw
        and listings.model_raw is not distinct from texts_canonical.model_raw
        and listings.size_raw is not distinct from texts_canonical.size_raw
        and listings.color_raw is not distinct from texts_canonical.color_raw
        and listings.material_raw is not distinct from texts_canonical.material_raw
        and listings.condition_raw is not distinct from texts_canonical.condition_raw
    left join fx_rates
        on listings.currency = fx_rates.currency
        and listings.snapshot_date = fx_rates.rate_date
)

select * from final
