-- One row per indicator x responsible department, matching the plan's 、-separated list
-- against each department's name and aliases (the plan spells one bank two ways).

with

indicators as (

    select * from {{ ref('dim_indicator') }}

),

departments as (

    select * from {{ ref('dim_department') }}

),

department_names as (

    select department_code, name_zh as department_name from departments
    union all
    select department_code, alias_zh as department_name from departments
    where alias_zh is not null

),

matched as (

    select distinct
        indicators.indicator_code,
        department_names.department_code,
        indicators.responsibility_clause
    from indicators
    inner join department_names
        on {{ dbt.position(
            "'、' || department_names.department_name || '、'",
            "'、' || indicators.responsible_departments || '、'"
        ) }} > 0

),

final as (

    select
        {{ surrogate_key(['indicator_code', 'department_code']) }} as indicator_department_key,
        indicator_code,
        department_code,
        responsibility_clause
    from matched

)

select * from final
