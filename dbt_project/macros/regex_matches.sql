{# True when the text matches the (quoted) regular expression. #}
{% macro regex_matches(expr, quoted_pattern) -%}
    {{ return(adapter.dispatch('regex_matches')(expr, quoted_pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expr, quoted_pattern) -%}
    regexp_matches({{ expr }}, {{ quoted_pattern }})
{%- endmacro %}

{% macro postgres__regex_matches(expr, quoted_pattern) -%}
    ({{ expr }} ~ {{ quoted_pattern }})
{%- endmacro %}
