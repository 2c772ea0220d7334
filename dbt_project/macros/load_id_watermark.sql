{# The highest load id already in this incremental model; new rows have higher ids (raw is append-only). #}
{% macro load_id_watermark(column='load_id') -%}
    (select coalesce(max({{ column }}), -1) from {{ this }})
{%- endmacro %}
