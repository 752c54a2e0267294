-- The title words a model name is read without (docs/market-model.md, "Which model"), as regex
-- alternations built from the seeds alone: one row per brand with words of its own in
-- seeds.title_words ('*': every other brand), one pattern per kind, longest phrase first.
-- intermediate.int_listing_texts_modelled drops them from a title to find the model's words.
with

title_words as (
    select * from seeds.title_words
),

material_families as (
    select * from seeds.material_families
),

color_families as (
    select * from seeds.color_families
),

model_sizes as (
    select * from seeds.model_sizes
),

-- the words to drop, by brand ('*': every brand) and kind
removable_phrases as (
    select distinct * from (
        -- the brand's (or every brand's) fillers, category nouns and nouns, each its own kind
        select
            brand,
            phrase,
            kind
        from title_words
        where kind in ('generic', 'filler', 'noun')
        union all
        -- what a title fragment drops: materials, colours, generic sizes, fillers, descriptors
        select
            '*' as brand,
            alias as phrase,
            'fragment' as kind
        from material_families
        union all
        select
            '*' as brand,
            alias as phrase,
            'fragment' as kind
        from color_families
        union all
        select
            '*' as brand,
            alias as phrase,
            'fragment' as kind
        from model_sizes
        where brand = '*'
        union all
        select
            brand,
            phrase,
            'fragment' as kind
        from title_words
        where kind in ('filler', 'descriptor')
        union all
        -- generic sizes, dropped from a site's model name
        select
            '*' as brand,
            alias as phrase,
            'size' as kind
        from model_sizes
        where brand = '*'
    ) as phrases
),

-- one alternation per brand and kind: a brand's phrases and every brand's
phrase_patterns as (
    select
        pattern_brands.brand,
        removable_phrases.kind,
        array_join(
            array_agg(removable_phrases.phrase order by length(removable_phrases.phrase) desc, removable_phrases.phrase),
            '|'
        ) as phrase_pattern
    from (select distinct brand from title_words) as pattern_brands
    inner join removable_phrases
        on removable_phrases.brand in (pattern_brands.brand, '*')
    group by
        pattern_brands.brand,
        removable_phrases.kind
),

final as (
    select
        brand,
        max(case when kind = 'filler' then phrase_pattern end) as filler_pattern,
        max(case when kind = 'generic' then phrase_pattern end) as generic_pattern,
        max(case when kind = 'noun' then phrase_pattern end) as noun_pattern,
        max(case when kind = 'size' then phrase_pattern end) as size_pattern,
        max(case when kind = 'fragment' then phrase_pattern end) as fragment_pattern
    from phrase_patterns
    group by
        brand
)

select * from final
