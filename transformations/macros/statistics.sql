{#- Aggregates that give the same answer on Trino and DuckDB.

    percentile(expression, fraction): the exact discrete percentile of the non-NULL values of
    `expression` in the group (NULL when there are none): the value at 1-based position
    ceil(fraction * n) (at least 1) of the n sorted values, as DuckDB's quantile_disc. Trino's
    approx_percentile is approximate (a digest), so the marts use this instead; e.g.
    percentile('days_to_sell', 0.5) is the median, the lower middle value of an even count. -#}
{%- macro percentile(expression, fraction) -%}
case
            when count({{ expression }}) > 0
                then element_at(
                    array_sort(array_agg({{ expression }}) filter (where {{ expression }} is not null)),
                    greatest(cast(ceil({{ fraction }} * count({{ expression }})) as integer), 1)
                )
        end
{%- endmacro %}
