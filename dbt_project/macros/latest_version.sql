{# The latest version of each natural key in a relation of all versions: highest load_id wins, the later row of one file breaks a tie.
   `where` restricts the versions ranked, on columns of the relation (an incremental fact passes
   its new keys: DuckDB does not push a key filter from outside below the window). #}
{% macro latest_version(relation, key_columns, where=none) -%}
    {#- A model made of latest versions records its natural key: its data tests then look at
        the new keys' versions only in incremental builds (macros/new_rows.sql). -#}
    {%- if not execute and not where -%}
        {%- do config(meta={'natural_key': key_columns}) -%}
    {%- endif -%}
    {#- List the relation's own columns so the rank does not leak out (no EXCLUDE on PostgreSQL);
        before the relation exists (parsing, compiling a fresh project) fall back to *. -#}
    {%- set columns = relation_column_names(relation) if execute else [] -%}
    select
        {%- for column in columns %}
        {{ adapter.quote(column) }}{{ "," if not loop.last }}
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
        {%- if where %}
        where {{ where }}
        {%- endif %}
    ) as versions
    where version_rank = 1
{%- endmacro %}
