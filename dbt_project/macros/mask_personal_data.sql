{# Personal data in free text, masked before anything reaches a mart: mobile and landline
   numbers keep their first and last digits only, and a value that is just a person's name
   (2-3 Chinese characters with no business suffix: 张三, not 张三店) keeps its surname. #}
{% macro mask_personal_data(expr) -%}
    {{ return(adapter.dispatch('mask_personal_data')(expr)) }}
{%- endmacro %}

{% macro default__mask_personal_data(expr) -%}
    case
        when {{ regex_matches(expr, "'^[一-龥]{2,3}$'") }}
            and not {{ regex_matches(expr, "'(店|行|部|厂|司|场|社|站|馆|队|所|院|处|局|园|家|铺|摊|房)$'") }}
            then substr({{ expr }}, 1, 1) || repeat('*', length({{ expr }}) - 1)
        else regexp_replace(
            regexp_replace({{ expr }}, '(1[3-9][0-9])[0-9]{4}([0-9]{4})', '\1****\2', 'g'),
            '(0[0-9]{2,3}-)[0-9]{3,4}([0-9]{4})', '\1****\2', 'g'
        )
    end
{%- endmacro %}
