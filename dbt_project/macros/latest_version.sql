{# The latest version of each natural key in a relation of all versions: highest load_id wins, the later row of one file breaks a tie. #}
{% macro latest_version(relation, key_columns) -%}
    {#- List the relation's own columns so the rank does not leak out (no EXCLUDE on PostgreSQL);
        before the relation exists (parsing, compiling a fresh project) fall back to *. -#}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    select
        {%- for column in columns %}
        {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
        {%- else %}
        *
        {%- endfor %}
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by load_id desc, source_row_number desc
            ) as version_rank
        from {{ relation }}
    ) as versions
    where version_rank = 1
{%- endmacro %}
