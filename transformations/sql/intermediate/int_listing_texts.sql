-- Step 1 of the normalisation (docs/market-model.md, "Normalisation"): the wordings of the
-- listings int_listings_unioned keeps, one row per snapshot day and wording (marketplace + the
-- seven raw text columns, keyed by text_key), with the text normalised for matching:
-- lower-cased, accents folded, punctuation turned into spaces (macro norm,
-- transformations/macros/text.sql). Each wording is normalised once per run, however many
-- days and listings show it. Next: int_listing_texts_modelled (brand and model).
with

-- the staged rows breaking no row rule (macro kept_listing_ctes, transformations/macros/row_rules.sql)
{{ kept_listing_ctes(between_days('snapshot_date')) }}

day_texts as (
    select distinct
        listings.snapshot_date,
        {{ listing_text_key('listings') }} as text_key,
        listings.marketplace,
        listings.title,
        listings.brand_raw,
        listings.model_raw,
        listings.size_raw,
        listings.color_raw,
        listings.material_raw,
        listings.condition_raw
    from listings
),

-- each wording once (macro one_row_per_text)
texts as (
    {{ one_row_per_text('day_texts') }}
),

texts_normalised as (
    select
        texts.text_key,
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

final as (
    select
        day_texts.*,
        texts_normalised.brand_text,
        texts_normalised.title_text,
        texts_normalised.model_text,
        texts_normalised.size_text,
        texts_normalised.color_text,
        texts_normalised.material_text,
        texts_normalised.condition_text,
        texts_normalised.title_color_text
    from day_texts
    inner join texts_normalised
        on day_texts.text_key = texts_normalised.text_key
)

select * from final
