{# Incremental filter: the key got a version newer than this model's high-water mark (a cheap scan of all versions, no window). #}
{% macro has_new_version(key_column, versions_relation, watermark_column='load_id') -%}
    {{ key_column }} in (
        select {{ key_column }}
        from {{ versions_relation }}
        where load_id > {{ load_id_watermark(watermark_column) }}
    )
{%- endmacro %}
