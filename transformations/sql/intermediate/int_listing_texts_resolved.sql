-- Step 3 of the normalisation: each wording of intermediate.int_listing_texts with everything
-- the seeds give it, one row per snapshot day and wording: brand, model and its key
-- (intermediate.int_listing_texts_modelled), size, colour, material and condition. Matching
-- rule (docs/market-model.md): an alias matches as whole words in the normalised text; the
-- longest alias wins. Each step is one pass: the wording left-joined to its candidates (no
-- candidate: one row of NULLs), ranked, the first kept. Next: int_listings_unioned joins each
-- listing-day to its wording's row.
with

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

-- `day_texts`: the interval's rows of intermediate.int_listing_texts (one per snapshot day and
-- wording); `texts`: one row per wording (macro interval_text_ctes)
{{ interval_text_ctes(between_days('snapshot_date')) }}

-- each wording's brand and model (step 2)
models as (
    {{ one_row_per_text('intermediate.int_listing_texts_modelled', between_days('snapshot_date')) }}
),

texts_modelled as (
    select
        texts.*,
        models.brand,
        models.model,
        models.model_source,
        models.model_key
    from texts
    inner join models
        on texts.text_key = models.text_key
),

-- size: size_raw first, then the title, then model_raw; the model's own sizes before the
-- generic ones; the longest token; the rightmost in the title
size_candidates as (
    select
        texts_modelled.*,
        model_sizes.size as matched_size,
        row_number() over (
            partition by texts_modelled.text_key
            order by
                case
                    when {{ word_position('texts_modelled.size_text', 'model_sizes.alias') }} > 0 then 1
                    when {{ word_position('texts_modelled.title_text', 'model_sizes.alias') }} > 0 then 2
                    else 3
                end,
                case when model_sizes.model = '*' then 2 else 1 end,
                length(model_sizes.alias) desc,
                {{ word_position('texts_modelled.title_text', 'model_sizes.alias') }} desc,
                model_sizes.size
        ) as size_rank
    from texts_modelled
    left join model_sizes
        on (
            (texts_modelled.brand = model_sizes.brand and texts_modelled.model = model_sizes.model)
            or (model_sizes.brand = '*' and model_sizes.model = '*')
        )
        and (
            {{ word_position('texts_modelled.size_text', 'model_sizes.alias') }} > 0
            or {{ word_position('texts_modelled.title_text', 'model_sizes.alias') }} > 0
            or {{ word_position('texts_modelled.model_text', 'model_sizes.alias') }} > 0
        )
),

texts_sized as (
    select
        size_candidates.*,
        coalesce(matched_size, size_raw) as size
    from size_candidates
    where size_rank = 1
),

-- colour: color_raw first, else the title without "<x> hardware"; the rightmost, then longest
color_candidates as (
    select
        texts_sized.*,
        color_families.color,
        row_number() over (
            partition by texts_sized.text_key
            order by
                case when {{ word_position('texts_sized.color_text', 'color_families.alias') }} > 0 then 1 else 2 end,
                {{ field_or_title_position('texts_sized.color_text', 'texts_sized.title_color_text', 'color_families.alias') }}
                + length(color_families.alias) desc,
                length(color_families.alias) desc,
                color_families.color
        ) as color_rank
    from texts_sized
    left join color_families
        on {{ field_or_title_position('texts_sized.color_text', 'texts_sized.title_color_text', 'color_families.alias') }} > 0
),

-- material: material_raw first, else the title; the longest alias
material_candidates as (
    select
        color_candidates.*,
        material_families.material,
        row_number() over (
            partition by color_candidates.text_key
            order by
                case when {{ word_position('color_candidates.material_text', 'material_families.alias') }} > 0 then 1 else 2 end,
                length(material_families.alias) desc,
                {{ field_or_title_position('color_candidates.material_text', 'color_candidates.title_text', 'material_families.alias') }},
                material_families.material
        ) as material_rank
    from color_candidates
    left join material_families
        on {{ field_or_title_position('color_candidates.material_text', 'color_candidates.title_text', 'material_families.alias') }} > 0
    where color_candidates.color_rank = 1
),

-- condition: the marketplace's own scale before the generic one; the longest grade found
condition_candidates as (
    select
        material_candidates.*,
        conditions.condition,
        row_number() over (
            partition by material_candidates.text_key
            order by
                case when conditions.marketplace = '*' then 2 else 1 end,
                length(conditions.condition_raw) desc,
                conditions.condition
        ) as condition_rank
    from material_candidates
    left join conditions
        on (material_candidates.marketplace = conditions.marketplace or conditions.marketplace = '*')
        and {{ word_position('material_candidates.condition_text', 'conditions.condition_raw') }} > 0
    where material_candidates.material_rank = 1
),

texts_canonical as (
    select
        text_key,
        brand,
        model,
        model_source,
        model_key,
        size,
        color,
        material,
        condition
    from condition_candidates
    where condition_rank = 1
),

final as (
    select
        day_texts.snapshot_date,
        day_texts.text_key,
        texts_canonical.brand,
        texts_canonical.model,
        texts_canonical.model_source,
        texts_canonical.model_key,
        texts_canonical.size,
        texts_canonical.color,
        texts_canonical.material,
        texts_canonical.condition
    from day_texts
    inner join texts_canonical
        on day_texts.text_key = texts_canonical.text_key
)

select * from final
