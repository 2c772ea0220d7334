{# A date as 'YYYY-MM' text; DuckDB spells the format with strftime, PostgreSQL with to_char. #}
{% macro format_year_month(date_expr) -%}
    {{ return(adapter.dispatch('format_year_month', 'qcity')(date_expr)) }}
{%- endmacro %}

{% macro default__format_year_month(date_expr) -%}
    to_char({{ date_expr }}, 'YYYY-MM')
{%- endmacro %}

{% macro duckdb__format_year_month(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}
