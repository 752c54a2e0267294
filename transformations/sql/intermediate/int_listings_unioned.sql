-- Every marketplace's listings, one row per listing per snapshot day, with canonical brand,
-- model, size, colour, material and condition (seeds) and USD prices (daily FX).
-- Matching rule (docs/market-model.md): text is lower-cased, accents folded, punctuation
-- turned into spaces; an alias matches as whole words; the longest alias wins.
{%- macro norm(expression) -%}
trim(regexp_replace(lower(translate({{ expression }}, 'ÀÁÂÄÃÅàáâäãåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÖÕØòóôöõøÙÚÛÜùúûüÝýÿ', 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy')), '[^a-z0-9]+', ' '))
{%- endmacro %}
{%- macro title_case(expression) -%}
array_join(transform(split({{ expression }}, ' '), word -> upper(substr(word, 1, 1)) || substr(word, 2)), ' ')
{%- endmacro %}
{%- macro contains(text, alias) -%}
strpos(' ' || {{ text }} || ' ', ' ' || {{ alias }} || ' ')
{%- endmacro %}
{#- The dedicated staging models (transformations/macros/staging.sql) and the one staging
    every config store, known or new (stg_shopify_stores__listings): no list of stores here. #}
{%- set sources = dedicated_staging_marketplaces + ['shopify_stores'] %}

with

-- per-marketplace rules (max_price of the row rules); the '*' defaults for a marketplace not listed
{{ marketplace_rules_ctes() }}

staged as (
{{ staging_listings_union(sources, between_days('snapshot_date')) }}
),

-- a row breaking a row rule (macros/row_rules.sql) is in intermediate.int_listings_rejected instead
listings as (
    select
        staged.marketplace,
        staged.listing_id,
        staged.snapshot_date,
        staged.url,
        staged.title,
        staged.brand_raw,
        staged.model_raw,
        staged.size_raw,
        staged.color_raw,
        staged.material_raw,
        staged.condition_raw,
        staged.price,
        staged.currency,
        staged.compare_at_price,
        staged.is_available,
        staged.published_at,
        staged.estimated_retail_price
    from staged
    left join marketplaces
        on staged.marketplace = marketplaces.marketplace
    cross join marketplace_defaults
    where {{ row_rejection_rule('staged') }} is null
),

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

-- USD per unit on each day: the ECB rate of the day, else the last one published before it
-- (at most 7 days old; intermediate.int_fx_usd_daily). USD itself needs no rate.
fx_rates as (
    select
        price_date,
        currency,
        usd_per_unit
    from intermediate.int_fx_usd_daily
    where currency <> 'USD'
        and {{ between_days('price_date') }}
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

-- model (docs/market-model.md, "Which model"). Evidence, strongest first:
--   site_alias     the site's own model field (Rebag meta-model tag, body "Model:", VSP's
--                  body), mapped by the longest alias found in it; the title is not searched
--   site           that field without a known alias: the site's name is the model
--   title_alias    no site field: the longest alias in the title, except an alias that only
--                  names a material or canvas there ("Triomphe" inside "Triomphe Canvas")
--   title_fragment no alias: the title's words left after brand, materials, colours,
--                  sizes, fillers and a trailing category noun
-- An accessory named after a model ("Neverfull MM Pochette") becomes "<model> Pochette".
-- model_key (brand/model as lower-case words) is one key per model across days and sites.
title_words as (
    select * from seeds.title_words
),

text_brands as (
    select distinct
        brand
    from texts_branded
    where brand is not null
),

-- one regex alternation per brand and kind of word to drop, longest phrase first
removable_phrases as (
    select distinct * from (
    select brand, phrase, kind from title_words where kind in ('generic', 'filler', 'noun')
    union all
    select '*' as brand, alias as phrase, 'fragment' as kind from material_families
    union all
    select '*' as brand, alias as phrase, 'fragment' as kind from color_families
    union all
    select '*' as brand, alias as phrase, 'fragment' as kind from model_sizes where brand = '*'
    union all
    select '*' as brand, alias as phrase, 'size' as kind from model_sizes where brand = '*'
    union all
    select brand, phrase, 'fragment' as kind from title_words where kind in ('filler', 'descriptor')
    ) as phrases
),

brand_patterns as (
    select
        text_brands.brand,
        removable_phrases.kind,
        array_join(
            array_agg(removable_phrases.phrase order by length(removable_phrases.phrase) desc, removable_phrases.phrase),
            '|'
        ) as pattern
    from text_brands
    inner join removable_phrases
        on removable_phrases.brand in (text_brands.brand, '*')
    group by
        text_brands.brand,
        removable_phrases.kind
),

texts_searchable as (
    select
        texts_branded.*,
        -- a model_raw that is only the title (a parser's fallback) is not the site's field
        case
            when texts_branded.model_text not in ('', texts_branded.title_text, texts_branded.model_title_text)
                then texts_branded.model_text
            else ''
        end as site_model_text,
        filler.pattern as filler_pattern,
        generic.pattern as generic_pattern,
        noun.pattern as noun_pattern,
        size.pattern as size_pattern,
        fragment.pattern as fragment_pattern
    from texts_branded
    left join brand_patterns as filler
        on texts_branded.brand = filler.brand
        and filler.kind = 'filler'
    left join brand_patterns as generic
        on texts_branded.brand = generic.brand
        and generic.kind = 'generic'
    left join brand_patterns as noun
        on texts_branded.brand = noun.brand
        and noun.kind = 'noun'
    left join brand_patterns as size
        on texts_branded.brand = size.brand
        and size.kind = 'size'
    left join brand_patterns as fragment
        on texts_branded.brand = fragment.brand
        and fragment.kind = 'fragment'
),

alias_candidates as (
    select
        texts_searchable.marketplace,
        texts_searchable.title,
        texts_searchable.brand_raw,
        texts_searchable.model_raw,
        model_aliases.brand,
        model_aliases.model,
        model_aliases.alias,
        texts_searchable.noun_pattern,
        case when texts_searchable.site_model_text <> '' then 'site_alias' else 'title_alias' end as model_source,
        case
            when texts_searchable.site_model_text <> '' then texts_searchable.site_model_text
            else texts_searchable.model_title_text
        end as searched_text
    from texts_searchable
    inner join model_aliases
        on texts_searchable.brand = model_aliases.brand
        and (
            {{ contains('texts_searchable.site_model_text', 'model_aliases.alias') }} > 0
            or (
                texts_searchable.site_model_text = ''
                and {{ contains('texts_searchable.model_title_text', 'model_aliases.alias') }} > 0
            )
        )
),

-- "Triomphe" inside "Triomphe Canvas", "Monogram" inside "Monogram Canvas": a material's name
alias_inside_material as (
    select distinct
        alias_candidates.marketplace,
        alias_candidates.title,
        alias_candidates.brand_raw,
        alias_candidates.model_raw,
        alias_candidates.alias
    from alias_candidates
    inner join material_families
        on length(material_families.alias) > length(alias_candidates.alias)
        and {{ contains('alias_candidates.searched_text', 'material_families.alias') }} > 0
        and {{ contains('alias_candidates.searched_text', 'material_families.alias') }}
            <= {{ contains('alias_candidates.searched_text', 'alias_candidates.alias') }}
        and {{ contains('alias_candidates.searched_text', 'alias_candidates.alias') }} + length(alias_candidates.alias)
            <= {{ contains('alias_candidates.searched_text', 'material_families.alias') }} + length(material_families.alias)
),

alias_best as (
    select
        alias_candidates.*,
        row_number() over (
            partition by alias_candidates.marketplace, alias_candidates.title, alias_candidates.brand_raw, alias_candidates.model_raw
            order by length(alias_candidates.alias) desc, alias_candidates.model
        ) as match_rank
    from alias_candidates
    left join alias_inside_material
        on alias_candidates.marketplace = alias_inside_material.marketplace
        and alias_candidates.title is not distinct from alias_inside_material.title
        and alias_candidates.brand_raw is not distinct from alias_inside_material.brand_raw
        and alias_candidates.model_raw is not distinct from alias_inside_material.model_raw
        and alias_candidates.alias = alias_inside_material.alias
    where alias_inside_material.alias is null
),

-- an accessory word after the model's alias, not "with <it>": "Neverfull MM Pochette"
accessory_candidates as (
    select
        alias_best.marketplace,
        alias_best.title,
        alias_best.brand_raw,
        alias_best.model_raw,
        title_words.label,
        row_number() over (
            partition by alias_best.marketplace, alias_best.title, alias_best.brand_raw, alias_best.model_raw
            order by {{ contains('alias_best.searched_text', 'title_words.phrase') }}, length(title_words.phrase) desc
        ) as match_rank
    from alias_best
    inner join title_words
        on title_words.kind = 'accessory'
        and title_words.brand in (alias_best.brand, '*')
        and {{ contains('alias_best.searched_text', 'title_words.phrase') }}
            > {{ contains('alias_best.searched_text', 'alias_best.alias') }} + length(alias_best.alias)
        and {{ contains('alias_best.searched_text', "'with ' || title_words.phrase") }} = 0
        -- "Polly Pocket Pouch Hobo" is a hobo: an accessory word before a bag noun names no accessory
        and not regexp_like(alias_best.searched_text, '\b' || title_words.phrase || ' (' || alias_best.noun_pattern || ')\b')
    where alias_best.match_rank = 1
),

texts_unaliased as (
    select
        texts_searchable.*,
        -- the site's model without fillers, size words and a trailing category noun
        -- ("Vintage Coussin Bag", "Popincourt Long Handbag"): the words a title fragment keeps
        trim(regexp_replace(
            trim(regexp_replace(
                regexp_replace(
                    regexp_replace(texts_searchable.site_model_text, '\b(' || texts_searchable.filler_pattern || ')\b', ' '),
                    '\b(' || texts_searchable.size_pattern || ')\b', ' '
                ),
                ' +', ' '
            )),
            '( (' || texts_searchable.generic_pattern || '))+$', ''
        )) as site_model_words,
        -- the title's words that are none of brand, material, colour, size, filler
        trim(regexp_replace(
            texts_searchable.model_title_text, '\b(' || texts_searchable.fragment_pattern || ')\b', ' '
        )) as title_words_left
    from texts_searchable
),

texts_fragmented as (
    select
        texts_unaliased.*,
        -- a category noun follows the name: a name of digits is a model there ("24/24 Bag")
        regexp_like(texts_unaliased.title_words_left, '\b(' || texts_unaliased.noun_pattern || ')\b') as has_noun,
        -- up to the last category noun (what follows is colour), without a trailing
        -- category noun or number: "Sangle Bucket Bag Amazone" -> sangle bucket
        trim(regexp_replace(
            regexp_replace(
                coalesce(
                    regexp_extract(
                        regexp_replace(texts_unaliased.title_words_left, ' +', ' '),
                        '^(.*\b(' || texts_unaliased.noun_pattern || '))\b', 1
                    ),
                    regexp_replace(texts_unaliased.title_words_left, ' +', ' ')
                ),
                '( (' || texts_unaliased.generic_pattern || '|[0-9][0-9.]*))+$', ''
            ),
            '^(' || texts_unaliased.generic_pattern || ')$', ''
        )) as title_fragment
    from texts_unaliased
),

texts_resolved as (
    select
        texts_fragmented.*,
        case
            when alias_best.model is not null then alias_best.model || coalesce(' ' || accessory_candidates.label, '')
            when texts_fragmented.site_model_text <> '' then
                {{ title_case("coalesce(nullif(texts_fragmented.site_model_words, ''), texts_fragmented.site_model_text)") }}
            when regexp_like(texts_fragmented.title_fragment, '[a-z]') or (texts_fragmented.has_noun and texts_fragmented.title_fragment <> '') then {{ title_case('texts_fragmented.title_fragment') }}
        end as model,
        case
            when alias_best.model is not null then alias_best.model_source
            when texts_fragmented.site_model_text <> '' then 'site'
            when regexp_like(texts_fragmented.title_fragment, '[a-z]') or (texts_fragmented.has_noun and texts_fragmented.title_fragment <> '') then 'title_fragment'
        end as model_source
    from texts_fragmented
    left join alias_best
        on texts_fragmented.marketplace = alias_best.marketplace
        and texts_fragmented.title is not distinct from alias_best.title
        and texts_fragmented.brand_raw is not distinct from alias_best.brand_raw
        and texts_fragmented.model_raw is not distinct from alias_best.model_raw
        and alias_best.match_rank = 1
    left join accessory_candidates
        on texts_fragmented.marketplace = accessory_candidates.marketplace
        and texts_fragmented.title is not distinct from accessory_candidates.title
        and texts_fragmented.brand_raw is not distinct from accessory_candidates.brand_raw
        and texts_fragmented.model_raw is not distinct from accessory_candidates.model_raw
        and accessory_candidates.match_rank = 1
),

texts_modelled as (
    select
        texts_resolved.*,
        case
            when texts_resolved.model is not null
                then replace({{ norm('texts_resolved.brand') }}, ' ', '-') || '/' || replace({{ norm('texts_resolved.model') }}, ' ', '-')
        end as model_key
    from texts_resolved
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
        texts_modelled.model_key,
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
        texts_canonical.model_key,
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
        round(cast(listings.price as double) * (case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end), 2) as price_usd,
        round(cast(listings.compare_at_price as double) * (case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end), 2) as compare_at_price_usd,
        round(cast(listings.estimated_retail_price as double) * (case when listings.currency = 'USD' then 1e0 else fx_rates.usd_per_unit end), 2) as retail_price_usd,
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
        and listings.snapshot_date = fx_rates.price_date
)

select * from final
