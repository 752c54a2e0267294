{#- Text matching of the listing wordings (docs/market-model.md, "Normalisation"): the one
    definition used by intermediate.int_listing_texts, int_listing_texts_resolved and
    int_listings_unioned. radar/text.py folds text the same way on the Python side.

    norm(expression): lower-cased, accents folded, punctuation turned into spaces, trimmed.
    title_case(expression): every space-separated word with its first letter upper-cased.
    word_position(text, phrase): 1-based position of `phrase` as whole words in `text` (both
        normalised), 0 when it is not there.
    listing_text_key(row): the key of a listing's wording (marketplace and its seven raw text
        columns), one varchar. Every part is written as <length>:<text>, or '-' when NULL, so two
        wordings share a key only when each column is equal (NULLs equal): an equi-join on it
        replaces a join on eight columns with `is not distinct from`. -#}
{%- macro norm(expression) -%}
trim(regexp_replace(lower(translate({{ expression }}, 'ÀÁÂÄÃÅàáâäãåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÖÕØòóôöõøÙÚÛÜùúûüÝýÿ', 'AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyy')), '[^a-z0-9]+', ' '))
{%- endmacro %}

{%- macro title_case(expression) -%}
array_join(transform(split({{ expression }}, ' '), word -> upper(substr(word, 1, 1)) || substr(word, 2)), ' ')
{%- endmacro %}

{%- macro word_position(text, phrase) -%}
strpos(' ' || {{ text }} || ' ', ' ' || {{ phrase }} || ' ')
{%- endmacro %}

{%- macro listing_text_key(row) -%}
{%- for column in ['marketplace', 'title', 'brand_raw', 'model_raw', 'size_raw', 'color_raw', 'material_raw', 'condition_raw'] %}
        {% if not loop.first %}|| {% endif %}coalesce(cast(length({{ row }}.{{ column }}) as varchar) || ':' || {{ row }}.{{ column }}, '-')
{%- endfor %}
{%- endmacro %}
