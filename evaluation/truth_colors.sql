-- The sandbox truth's colour names mapped through the pipeline's seeds, for the scorer
-- (evaluation/truth_names.py): the whole name (normalised by the norm macro) is one of
-- seeds.color_families' aliases, else the truth's own name. The names come in as literal rows
-- (names: one row (name_id, color) per distinct name).
with

color_families as (
    select * from seeds.color_families
),

truth_colors as (
    select
        truth_color,
        {{ norm('truth_color') }} as color_text
    from (
        values
            {{ names }}
    ) as names (name_id, truth_color)
),

final as (
    select
        truth_colors.truth_color,
        coalesce(color_families.color, truth_colors.truth_color) as color
    from truth_colors
    left join color_families
        on truth_colors.color_text = color_families.alias
)

select * from final
