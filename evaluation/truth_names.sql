-- The sandbox truth's brand, model and size names mapped through the pipeline's seeds, for the
-- scorer (evaluation/truth_names.py), with the macros intermediate.int_listing_texts_modelled
-- and _resolved match with (norm, word_position; docs/market-model.md, "Normalisation"). The
-- names come in as literal rows (names: one row (name_id, brand, model, size) per distinct name).
-- brand: the whole name is one of the seeds' aliases, else the truth's own name.
-- seeded_model: the whole model name is one of the brand's aliases or seed models, else NULL (a
--     model the seeds do not name, even one with a seeded name inside it).
-- model: the brand's longest alias found as whole words in the name, else the truth's own name.
-- size: the model's longest size alias found in the size name, else the generic ones', else
--     the truth's own size.
with

brand_aliases as (
    select * from seeds.brand_aliases
),

model_aliases as (
    select * from seeds.model_aliases
),

model_sizes as (
    select * from seeds.model_sizes
),

truth_names as (
    select
        name_id,
        truth_brand,
        truth_model,
        truth_size,
        {{ norm('truth_brand') }} as brand_text,
        {{ norm('truth_model') }} as model_text,
        {{ norm('truth_size') }} as size_text
    from (
        values
            {{ names }}
    ) as names (name_id, truth_brand, truth_model, truth_size)
),

-- a seed's model by its whole name: any of its aliases, or the model's own name
seeded_names as (
    select
        brand,
        model,
        alias as name_text
    from model_aliases
    union
    select
        brand,
        model,
        {{ norm('model') }} as name_text
    from model_aliases
),

names_branded as (
    select
        truth_names.*,
        coalesce(brand_aliases.brand, truth_names.truth_brand) as brand
    from truth_names
    left join brand_aliases
        on truth_names.brand_text = brand_aliases.alias
),

seeded_candidates as (
    select
        names_branded.*,
        seeded_names.model as seeded_model,
        row_number() over (partition by names_branded.name_id order by seeded_names.model) as seeded_rank
    from names_branded
    left join seeded_names
        on names_branded.brand = seeded_names.brand
        and names_branded.model_text = seeded_names.name_text
),

-- the longest alias wins; between aliases as long, the last model in name order
model_candidates as (
    select
        seeded_candidates.*,
        model_aliases.model as matched_model,
        row_number() over (
            partition by seeded_candidates.name_id
            order by length(model_aliases.alias) desc, model_aliases.model desc
        ) as model_rank
    from seeded_candidates
    left join model_aliases
        on seeded_candidates.brand = model_aliases.brand
        and {{ word_position('seeded_candidates.model_text', 'model_aliases.alias') }} > 0
    where seeded_candidates.seeded_rank = 1
),

names_modelled as (
    select
        name_id,
        truth_brand,
        truth_model,
        truth_size,
        size_text,
        brand,
        seeded_model,
        coalesce(matched_model, truth_model) as model
    from model_candidates
    where model_rank = 1
),

-- the model's own sizes before the generic ones; the longest alias; then the last size in name order
size_candidates as (
    select
        names_modelled.*,
        model_sizes.size as matched_size,
        row_number() over (
            partition by names_modelled.name_id
            order by
                case when model_sizes.model = '*' then 2 else 1 end,
                length(model_sizes.alias) desc,
                model_sizes.size desc
        ) as size_rank
    from names_modelled
    left join model_sizes
        on (
            (model_sizes.brand = names_modelled.brand and model_sizes.model = names_modelled.model)
            or (model_sizes.brand = '*' and model_sizes.model = '*')
        )
        and {{ word_position('names_modelled.size_text', 'model_sizes.alias') }} > 0
),

final as (
    select
        truth_brand,
        truth_model,
        truth_size,
        brand,
        model,
        seeded_model,
        case when coalesce(truth_size, '') = '' then null else coalesce(matched_size, truth_size) end as size
    from size_candidates
    where size_rank = 1
)

select * from final
