-- Step 2 of the normalisation: each wording of intermediate.int_listing_texts resolved to its
-- canonical brand and model (seeds), one row per snapshot day and wording. Matching rule
-- (docs/market-model.md): an alias matches as whole words in the normalised text; the longest
-- alias wins. Each wording is resolved once per run. Every step is one pass: the wording
-- left-joined to its candidates (no candidate: one row of NULLs), ranked, and the first kept,
-- so each CTE is read once (Trino plans a CTE again at every reference). Next:
-- int_listing_texts_resolved (size, colour, material and condition).
with

brand_aliases as (
    select * from seeds.brand_aliases
),

model_aliases as (
    select * from seeds.model_aliases
),

material_families as (
    select * from seeds.material_families
),

title_words as (
    select * from seeds.title_words
),

-- the words a model name is read without, as one regex per brand and kind
title_patterns as (
    select * from intermediate.int_title_patterns
),

-- `day_texts`: the interval's rows of intermediate.int_listing_texts (one per snapshot day and
-- wording); `texts`: one row per wording (macro interval_text_ctes)
{{ interval_text_ctes(between_days('snapshot_date')) }}

-- brand: the whole brand_raw is an alias, else an alias opens the title ("Chanel // ...")
brand_candidates as (
    select
        texts.*,
        brand_aliases.brand as alias_brand,
        case when texts.brand_text = brand_aliases.alias then 1 else 2 end as match_priority,
        length(brand_aliases.alias) as alias_length,
        case
            when {{ word_position('texts.title_text', 'brand_aliases.alias') }} = 1
                then length(brand_aliases.alias)
            else 0
        end as title_prefix_length
    from texts
    left join brand_aliases
        on texts.brand_text = brand_aliases.alias
        or {{ word_position('texts.title_text', 'brand_aliases.alias') }} = 1
),

brand_ranked as (
    select
        brand_candidates.*,
        -- the longest alias of the chosen brand that opens the title, whichever matched
        max(title_prefix_length) over (partition by text_key, alias_brand) as brand_prefix_length,
        row_number() over (
            partition by text_key
            order by match_priority, alias_length desc, alias_brand
        ) as brand_rank
    from brand_candidates
),

texts_branded as (
    select
        brand_ranked.*,
        coalesce(alias_brand, brand_raw) as brand,
        -- the title without the brand that opens it: Bottega Veneta makes a bag called the
        -- Veneta, so "Bottega Veneta Jodie Mini" must not read as a Veneta
        trim(substr(title_text, (case when alias_brand is null then 0 else brand_prefix_length end) + 1)) as model_title_text
    from brand_ranked
    where brand_rank = 1
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

-- the brand's own patterns, else the '*' ones; none for a wording without a brand
pattern_candidates as (
    select
        texts_branded.*,
        title_patterns.filler_pattern,
        title_patterns.generic_pattern,
        title_patterns.noun_pattern,
        title_patterns.size_pattern,
        title_patterns.fragment_pattern,
        row_number() over (
            partition by texts_branded.text_key
            order by case when title_patterns.brand = texts_branded.brand then 1 else 2 end
        ) as pattern_rank
    from texts_branded
    left join title_patterns
        on texts_branded.brand is not null
        and title_patterns.brand in (texts_branded.brand, '*')
),

texts_searchable as (
    select
        pattern_candidates.*,
        -- a model_raw that is only the title (a parser's fallback) is not the site's field
        case
            when model_text not in ('', title_text, model_title_text)
                then model_text
            else ''
        end as site_model_text
    from pattern_candidates
    where pattern_rank = 1
),

alias_candidates as (
    select
        texts_searchable.*,
        model_aliases.model as candidate_model,
        model_aliases.alias as candidate_alias,
        case when texts_searchable.site_model_text <> '' then 'site_alias' else 'title_alias' end as candidate_source,
        case
            when texts_searchable.site_model_text <> '' then texts_searchable.site_model_text
            else texts_searchable.model_title_text
        end as searched_text
    from texts_searchable
    left join model_aliases
        on texts_searchable.brand = model_aliases.brand
        and (
            {{ word_position('texts_searchable.site_model_text', 'model_aliases.alias') }} > 0
            or (
                texts_searchable.site_model_text = ''
                and {{ word_position('texts_searchable.model_title_text', 'model_aliases.alias') }} > 0
            )
        )
),

-- "Triomphe" inside "Triomphe Canvas", "Monogram" inside "Monogram Canvas": a material's name
alias_materials as (
    select
        alias_candidates.*,
        material_families.alias as material_alias
    from alias_candidates
    left join material_families
        on alias_candidates.candidate_alias is not null
        and length(material_families.alias) > length(alias_candidates.candidate_alias)
        and {{ phrase_within('alias_candidates.searched_text', 'alias_candidates.candidate_alias', 'material_families.alias') }}
),

alias_ranked as (
    select
        alias_materials.*,
        max(case when material_alias is not null then 1 else 0 end) over (partition by text_key, candidate_alias)
            as alias_inside_material
    from alias_materials
),

-- the longest alias that names no material; none: NULL alias, model, source
alias_best as (
    select
        alias_ranked.*,
        row_number() over (
            partition by text_key
            order by alias_inside_material, length(candidate_alias) desc, candidate_model, candidate_alias
        ) as alias_rank
    from alias_ranked
),

-- the chosen alias, unless it only names a material
texts_aliased as (
    select
        alias_best.*,
        case when alias_inside_material = 0 then candidate_alias end as alias,
        case when alias_inside_material = 0 then candidate_model end as alias_model,
        case when alias_inside_material = 0 and candidate_alias is not null then candidate_source end as alias_source
    from alias_best
    where alias_rank = 1
),

-- an accessory word after the model's alias, not "with <it>": "Neverfull MM Pochette"
accessory_candidates as (
    select
        texts_aliased.*,
        title_words.label as accessory_label,
        row_number() over (
            partition by texts_aliased.text_key
            order by
                {{ word_position('texts_aliased.searched_text', 'title_words.phrase') }},
                length(title_words.phrase) desc,
                title_words.label
        ) as accessory_rank
    from texts_aliased
    left join title_words
        on texts_aliased.alias is not null
        and title_words.kind = 'accessory'
        and title_words.brand in (texts_aliased.brand, '*')
        and {{ phrase_after('texts_aliased.searched_text', 'title_words.phrase', 'texts_aliased.alias') }}
        and {{ word_position('texts_aliased.searched_text', "'with ' || title_words.phrase") }} = 0
        -- "Polly Pocket Pouch Hobo" is a hobo: an accessory word before a bag noun names no accessory
        and not regexp_like(texts_aliased.searched_text, '\b' || title_words.phrase || ' (' || texts_aliased.noun_pattern || ')\b')
),

texts_unaliased as (
    select
        accessory_candidates.*,
        -- the site's model without fillers, size words and a trailing category noun
        -- ("Vintage Coussin Bag", "Popincourt Long Handbag"): the words a title fragment keeps
        trim(regexp_replace(
            trim(regexp_replace(
                regexp_replace(
                    regexp_replace(site_model_text, '\b(' || filler_pattern || ')\b', ' '),
                    '\b(' || size_pattern || ')\b', ' '
                ),
                ' +', ' '
            )),
            '( (' || generic_pattern || '))+$', ''
        )) as site_model_words,
        -- the title's words that are none of brand, material, colour, size, filler
        trim(regexp_replace(
            model_title_text, '\b(' || fragment_pattern || ')\b', ' '
        )) as title_words_left
    from accessory_candidates
    where accessory_rank = 1
),

texts_fragmented as (
    select
        texts_unaliased.*,
        -- a category noun follows the name: a name of digits is a model there ("24/24 Bag")
        regexp_like(title_words_left, '\b(' || noun_pattern || ')\b') as has_noun,
        -- up to the last category noun (what follows is colour), without a trailing
        -- category noun or number: "Sangle Bucket Bag Amazone" -> sangle bucket
        trim(regexp_replace(
            regexp_replace(
                coalesce(
                    regexp_extract(
                        regexp_replace(title_words_left, ' +', ' '),
                        '^(.*\b(' || noun_pattern || '))\b', 1
                    ),
                    regexp_replace(title_words_left, ' +', ' ')
                ),
                '( (' || generic_pattern || '|[0-9][0-9.]*))+$', ''
            ),
            '^(' || generic_pattern || ')$', ''
        )) as title_fragment
    from texts_unaliased
),

texts_resolved as (
    select
        texts_fragmented.*,
        case
            when alias_model is not null then alias_model || coalesce(' ' || accessory_label, '')
            when site_model_text <> ''
                then {{ title_case("coalesce(nullif(site_model_words, ''), site_model_text)") }}
            when regexp_like(title_fragment, '[a-z]') or (has_noun and title_fragment <> '') then {{ title_case('title_fragment') }}
        end as model,
        case
            when alias_model is not null then alias_source
            when site_model_text <> '' then 'site'
            when regexp_like(title_fragment, '[a-z]') or (has_noun and title_fragment <> '') then 'title_fragment'
        end as model_source
    from texts_fragmented
),

texts_modelled as (
    select
        text_key,
        brand,
        model,
        model_source,
        case
            when model is not null
                then replace({{ norm('brand') }}, ' ', '-') || '/' || replace({{ norm('model') }}, ' ', '-')
        end as model_key
    from texts_resolved
),

final as (
    select
        day_texts.snapshot_date,
        day_texts.text_key,
        texts_modelled.brand,
        texts_modelled.model,
        texts_modelled.model_source,
        texts_modelled.model_key
    from day_texts
    inner join texts_modelled
        on day_texts.text_key = texts_modelled.text_key
)

select * from final
