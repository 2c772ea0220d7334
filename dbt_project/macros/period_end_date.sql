{# The last day of a month given as year and month numbers, as a date; DuckDB has last_day, PostgreSQL adds a month. #}
{% macro period_end_date(year_expr, month_expr) -%}
    {{ return(adapter.dispatch('period_end_date', 'qcity')(year_expr, month_expr)) }}
{%- endmacro %}

{% macro default__period_end_date(year_expr, month_expr) -%}
    cast(make_date({{ year_expr }}, {{ month_expr }}, 1) + interval '1 month' - interval '1 day' as date)
{%- endmacro %}

{% macro duckdb__period_end_date(year_expr, month_expr) -%}
    last_day(make_date({{ year_expr }}, {{ month_expr }}, 1))
{%- endmacro %}
