{#- The keys of the listings seen on a run's days, priced (intermediate.int_listing_days) or
    rejected (intermediate.int_listings_rejected): what an incremental_by_key model over listings
    rebuilds in a dated run, besides the keys of its own rows that may still change.
    day_filter: the model's between_days('snapshot_date'). -#}
{% macro listings_seen_on_run_days(day_filter) -%}
select listing_key from intermediate.int_listing_days
        where {{ day_filter }}
        union distinct
        select listing_key from intermediate.int_listings_rejected
        where
            listing_key is not null
            and {{ day_filter }}
{%- endmacro %}
