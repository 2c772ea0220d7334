{# The loader's lineage columns under their staging names: which load, file and row a record came from. #}
{% macro lineage_columns() -%}
        _load_id as load_id,
        _source_file as source_file_name,
        _file_sha256 as source_file_sha256,
        _row_number as source_row_number,
        _loaded_at as loaded_at
{%- endmacro %}
