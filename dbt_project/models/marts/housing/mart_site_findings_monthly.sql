-- Judged as of the build day: rebuilt by every build (tag as_of_day, warehouse/dbt_build.py).
{{ config(tags=['as_of_day']) }}

-- One row per inspection month x county x contractor with inspections: the counts behind
-- the site-inspection 监测指标 and the measures themselves. Findings count under their
-- inspection's month, county and contractor; deadlines and rectification are judged as of
-- the reference day (as_of_date), so an older month's open findings can still close.

with

inspections as (

    select * from {{ ref('fct_site_inspections') }}

),

monthly as (

    select
        inspection_month_start_date as month_start_date,
        county_code,
        coalesce(contractor, '未填写施工单位') as contractor,
        count(*) as inspection_count,
        sum(finding_count) as finding_count,
        sum(major_or_critical_count) as major_or_critical_count,
        sum(deadline_passed_count) as deadline_passed_count,
        sum(rectified_on_time_count) as rectified_on_time_count,
        sum(open_past_deadline_count) as open_past_deadline_count
    from inspections
    group by 1, 2, 3

),

final as (

    select
        -- ids
        {{ surrogate_key(['month_start_date', 'county_code', 'contractor']) }} as monthly_key,
        {{ format_year_month('month_start_date') }} as year_month,
        month_start_date,
        county_code,
        contractor,

        -- counts
        inspection_count,
        finding_count,
        major_or_critical_count,
        deadline_passed_count,
        rectified_on_time_count,
        open_past_deadline_count,

        -- measures
        cast(finding_count as {{ type_double() }}) / inspection_count as findings_per_inspection,
        {{ rate_percent('major_or_critical_count', 'finding_count') }} as major_or_critical_share,
        {{ rate_percent('rectified_on_time_count', 'deadline_passed_count') }} as rectified_on_time_rate,

        -- reference day
        {{ as_of_date() }} as as_of_date

    from monthly

)

select * from final
