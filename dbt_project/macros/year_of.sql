{# The calendar year of a date as text ('2025'), the scorecard's yearly period. #}
{% macro year_of(date_expr) -%}
    cast(cast(extract(year from {{ date_expr }}) as integer) as {{ dbt.type_string() }})
{%- endmacro %}
