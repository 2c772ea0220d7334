{# Personal data in free text, masked before anything leaves the base layer. The rules are
   the contracts' (ingestion/contracts/common.yaml personal_data, generated into
   personal_data_rules.sql): ID numbers, mobile and landline numbers and labelled names
   become fixed marks, the rest of the text stays. The patterns use only what RE2 (DuckDB)
   and POSIX ARE (PostgreSQL) share, and both spell regexp_replace(text, pattern,
   replacement, 'g') alike, so one implementation serves both adapters. With names_party,
   a cell that is only a person's name (张三, not 张三蔬菜店) keeps its surname only. #}
{% macro mask_personal_data(expr, names_party=false) -%}
    {{ return(adapter.dispatch('mask_personal_data')(expr, names_party)) }}
{%- endmacro %}

{% macro default__mask_personal_data(expr, names_party=false) -%}
    {#- a namespace: a plain set inside a for loop does not outlive the loop -#}
    {%- set masked = namespace(sql=expr) -%}
    {%- for rule in personal_data_rules() -%}
        {%- set masked.sql = "regexp_replace(" ~ masked.sql ~ ", " ~ personal_data_literal(rule.pattern) ~ ", " ~ personal_data_literal(rule.replacement) ~ ", 'g')" -%}
    {%- endfor -%}
    {%- if names_party -%}
        {%- set bare = personal_data_bare_name() -%}
        case
            when {{ regex_matches(expr, personal_data_literal(bare.pattern)) }}
                and not {{ regex_matches(expr, personal_data_literal(bare.unless)) }}
                then regexp_replace({{ expr }}, {{ personal_data_literal(bare.pattern) }}, {{ personal_data_literal(bare.replacement) }})
            else {{ masked.sql }}
        end
    {%- else -%}
        {{ masked.sql }}
    {%- endif -%}
{%- endmacro %}

{# A SQL string literal: quotes doubled; backslashes stay (standard strings in both adapters). #}
{% macro personal_data_literal(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{# The raw table's columns as base models read them: every free-text column masked, keys,
   codes, typed and lineage columns as loaded. Replaces `select *` in a base model's source
   CTE, so a column a contract adds is masked without touching any model. The column list is
   generated from the contracts like the rules (no introspection, so unit tests see it too). #}
{% macro masked_source(source_name, table_name) -%}
    {%- set free_text = personal_data_free_text_columns()[table_name] -%}
    select
    {%- for column in personal_data_raw_columns()[table_name] %}
        {% if column in free_text -%}
            {{ mask_personal_data(column, free_text[column]) }} as {{ column }}
        {%- else -%}
            {{ column }}
        {%- endif -%}
        {{ "," if not loop.last }}
    {%- endfor %}
    from {{ source(source_name, table_name) }}
{%- endmacro %}
