{#- Text matching of the listing wordings (docs/market-model.md, "Normalisation"): the one
    definition used by intermediate.int_listing_texts, int_listing_texts_resolved and
    int_listings_unioned. radar/text.py folds text the same way on the Python side.

    norm(expression): lower-cased, accents folded, punctuation turned into spaces, trimmed.
    title_case(expression): every space-separated word with its first letter upper-cased.
    word_position(text, phrase): 1-based position of `phrase` as whole words in `text` (both
        normalised), 0 when it is not there.
    phrase_within(text, phrase, outer): `phrase` lies inside the words of `outer` in `text`
        ("triomphe" inside "triomphe canvas"): outer starts at or before it and ends at or after it.
    phrase_after(text, phrase, earlier): `phrase` starts in `text` after `earlier` ends.
    field_or_title_position(field, title, phrase): word_position of `phrase` in `field` (a
        site's own field, e.g. color_text) where it is there, else in `title`.
    listing_text_key(row): the key of a listing's wording (marketplace and its seven raw text
        columns), one varchar. Every part is written as <length>:<text>, or '-' when NULL, so two
        wordings share a key only when each column is equal (NULLs equal): an equi-join on it
        replaces a join on eight columns with `is not distinct from`.
    one_row_per_text(relation, day_filter): the rows of `relation` (one per snapshot day and
        text_key, e.g. intermediate.int_listing_texts) on the days of `day_filter` (optional),
        one per text_key: its first day's (a wording's columns are equal on every day), with
        the extra column text_day_rank. So a wording is matched once per run, however many
        days show it.
    interval_text_ctes(day_filter): the two CTEs int_listing_texts_modelled and _resolved start
        from: `day_texts`, the rows of intermediate.int_listing_texts on the days of `day_filter`
        (the model's between_days('snapshot_date')), and `texts`, one row per wording of them. -#}
{%- macro norm(expression) -%}
trim(regexp_replace(lower(translate({{ expression }}, 'ÀÁÂÄÃÅàáâäãåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÖÕØòóôöõøÙÚÛÜùúûüÝýÿ', 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy')), '[^a-z0-9]+', ' '))
{%- endmacro %}

{%- macro title_case(expression) -%}
array_join(transform(split({{ expression }}, ' '), word -> upper(substr(word, 1, 1)) || substr(word, 2)), ' ')
{%- endmacro %}

{%- macro word_position(text, phrase) -%}
strpos(' ' || {{ text }} || ' ', ' ' || {{ phrase }} || ' ')
{%- endmacro %}

{%- macro phrase_within(text, phrase, outer) -%}
({{ word_position(text, outer) }} between 1 and {{ word_position(text, phrase) }}
and {{ word_position(text, phrase) }} + length({{ phrase }}) <= {{ word_position(text, outer) }} + length({{ outer }}))
{%- endmacro %}

{%- macro phrase_after(text, phrase, earlier) -%}
{{ word_position(text, phrase) }} > {{ word_position(text, earlier) }} + length({{ earlier }})
{%- endmacro %}

{%- macro field_or_title_position(field, title, phrase) -%}
case when {{ word_position(field, phrase) }} > 0 then {{ word_position(field, phrase) }} else {{ word_position(title, phrase) }} end
{%- endmacro %}

{%- macro listing_text_key(row) -%}
{%- for column in ['marketplace', 'title', 'brand_raw', 'model_raw', 'size_raw', 'color_raw', 'material_raw', 'condition_raw'] %}
        {% if not loop.first %}|| {% endif %}coalesce(cast(length({{ row }}.{{ column }}) as varchar) || ':' || {{ row }}.{{ column }}, '-')
{%- endfor %}
{%- endmacro %}

{%- macro one_row_per_text(relation, day_filter=none) -%}
    select * from (
        select
            day_rows.*,
            row_number() over (partition by day_rows.text_key order by day_rows.snapshot_date) as text_day_rank
        from {{ relation }} as day_rows
        {%- if day_filter %}
        where {{ day_filter }}
        {%- endif %}
    ) as ranked_days
    where text_day_rank = 1
{%- endmacro %}

{%- macro interval_text_ctes(day_filter) -%}
day_texts as (
    select * from intermediate.int_listing_texts
    where {{ day_filter }}
),

texts as (
{{ one_row_per_text('day_texts') }}
),
{%- endmacro %}
