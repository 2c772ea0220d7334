-- One row per sampling month x county x material type with samples: tested, passed and the
-- building-material pass rate (监测指标 MON_BUILDING_MATERIAL_PASS_RATE at its finest grain).

with

samples as (

    select * from {{ ref('fct_building_material_samples') }}

),

monthly as (

    select
        sampling_month_start_date as month_start_date,
        county_code,
        material_type,
        count(*) as tested_count,
        sum(case when is_passed then 1 else 0 end) as passed_count
    from samples
    group by 1, 2, 3

),

final as (

    select
        -- ids
        {{ surrogate_key(['month_start_date', 'county_code', 'material_type']) }} as pass_rate_key,
        {{ format_year_month('month_start_date') }} as year_month,
        month_start_date,
        county_code,
        material_type,

        -- counts
        tested_count,
        passed_count,
        tested_count - passed_count as failed_count,

        -- measures
        {{ rate_percent('passed_count', 'tested_count') }} as pass_rate

    from monthly

)

select * from final
