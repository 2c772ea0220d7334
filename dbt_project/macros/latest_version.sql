{# The latest version of each natural key in an append-only raw table: highest _load_id wins, the later row of one file breaks a tie. #}
{% macro latest_version(relation, key_columns) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by _load_id desc, _row_number desc
            ) as _version_rank
        from {{ relation }}
    ) as versions
    where _version_rank = 1
{%- endmacro %}
