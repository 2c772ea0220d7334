with

departments as (

    select * from {{ ref('departments') }}

),

final as (

    select
        department_code,
        name_zh,
        name_en,
        alias_zh,
        named_as,
        named_as = 'every_task' as is_named_for_every_task
    from departments

)

select * from final
