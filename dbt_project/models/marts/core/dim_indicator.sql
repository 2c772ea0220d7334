with

plan_indicators as (

    select * from {{ ref('plan_indicators') }}

),

monitoring_indicators as (

    select * from {{ ref('monitoring_indicators') }}

),

plan_rows as (

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
        data_source

    from plan_indicators

),

-- 监测指标: measured and shown, never scored: no target, no comparator, no target year.
monitoring_rows as (

    select
        -- ids
        indicator_code,

        -- names
        name_zh,
        name_en,

        -- no target
        cast(null as {{ type_double() }}) as target_value,
        cast(null as {{ dbt.type_string() }}) as target_text,
        unit,
        cast(null as {{ dbt.type_string() }}) as comparator,
        cast(null as integer) as target_year,

        -- the clause it watches
        plan_clause,
        responsibility_clause,
        responsible_departments,

        -- kind
        'monitoring' as kind,
        aggregation,
        'city_and_counties' as area,
        cast(decimals as integer) as decimals,
        definition as kind_basis,

        -- how it is measured
        data_source

    from monitoring_indicators

),

indicators as (

    select * from plan_rows
    union all
    select * from monitoring_rows

),

final as (

    select
        *,
        data_source <> 'indicator_reports' as is_measured,
        kind = 'monitoring' as is_monitoring,
        comparator is null and kind <> 'monitoring' as is_qualitative
    from indicators

)

select * from final
