with

plan_indicators as (

    select * from {{ ref('plan_indicators') }}

),

final as (

    select
        -- ids
        indicator_code,

        -- names
        name_zh,
        name_en,

        -- target, as the plan states it
        cast(target_value as {{ type_double() }}) as target_value,
        target_text,
        unit,
        comparator,
        cast(target_year as integer) as target_year,

        -- where the plan says it
        plan_clause,
        responsibility_clause,
        responsible_departments,

        -- what kind of number it is, and how shorter periods make the target year's value
        kind,
        aggregation,
        area,
        cast(decimals as integer) as decimals,
        kind_basis,

        -- how it is measured
        data_source,
        data_source <> 'indicator_reports' as is_measured,
        comparator is null as is_qualitative

    from plan_indicators

)

select * from final
