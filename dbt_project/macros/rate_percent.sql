{# A percentage 0-100 as a double; null when the denominator is zero, so "no data" never reads as 0 %. #}
{% macro rate_percent(numerator, denominator) -%}
    case
        when {{ denominator }} > 0
            then 100.0 * cast({{ numerator }} as {{ type_double() }})
                / cast({{ denominator }} as {{ type_double() }})
    end
{%- endmacro %}
