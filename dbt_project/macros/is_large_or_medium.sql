{# The size classes the plan's 100 % first-acceptance target is about (大中型工程项目). #}
{% macro is_large_or_medium(scale_class) -%}
    coalesce({{ scale_class }} in ('large', 'medium'), false)
{%- endmacro %}
