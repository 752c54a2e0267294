-- Schemas. Models and seeds are Iceberg tables in {{ catalog }}; the raw snapshots stay
-- Parquet in the lake, read through external tables of the Hive catalog {{ raw_catalog }}.
{% for schema in model_schemas %}
    create schema if not exists {{ catalog }}.{{ schema }};
{% endfor %}
create schema if not exists {{ raw_catalog }}.raw;
