{# The first day of a date's month, as a date on every adapter (date_trunc returns a timestamp). #}
{% macro month_start(date_expr) -%}
    cast({{ dbt.date_trunc('month', date_expr) }} as date)
{%- endmacro %}
