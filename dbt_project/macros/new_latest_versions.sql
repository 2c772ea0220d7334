{# Incremental facts: the latest version of every key that got a version newer than this
   model's high-water mark, ranked among those keys' versions only (the window and the
   masking then cost the new keys, not all history). The filter is on the leading key
   column, which every version of a key shares. #}
{% macro new_latest_versions(versions_relation, key_columns) -%}
    {{ latest_version(versions_relation, key_columns, where=has_new_version(key_columns[0], versions_relation)) }}
{%- endmacro %}
