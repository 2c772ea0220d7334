{# A number rounded to a per-row number of decimals, as a fixed-scale decimal(18, 4) unless another type is named: no float noise in BI. PostgreSQL rounds numerics only; DuckDB rounds decimals only to a constant. #}
{% macro round_to_decimals(expr, decimals_expr, data_type='decimal(18, 4)') -%}
    {{ return(adapter.dispatch('round_to_decimals', 'qcity')(expr, decimals_expr, data_type)) }}
{%- endmacro %}

{% macro default__round_to_decimals(expr, decimals_expr, data_type) -%}
    cast(round(cast({{ expr }} as numeric), {{ decimals_expr }}) as {{ data_type }})
{%- endmacro %}

{% macro duckdb__round_to_decimals(expr, decimals_expr, data_type) -%}
    cast(round(cast({{ expr }} as double), {{ decimals_expr }}) as {{ data_type }})
{%- endmacro %}
