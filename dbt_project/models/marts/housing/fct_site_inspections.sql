-- One row per site inspection, with what it found: an inspection that found nothing has
-- zero findings.

with

inspections as (

    select * from {{ ref('int_site_inspections') }}

),

findings as (

    select * from {{ ref('int_site_findings') }}

),

finding_counts as (

    select
        inspection_no,
        count(*) as finding_count,
        sum(case when is_major_or_critical then 1 else 0 end) as major_or_critical_count,
        sum(case when is_deadline_passed then 1 else 0 end) as deadline_passed_count,
        sum(case when is_rectified_on_time then 1 else 0 end) as rectified_on_time_count,
        sum(case when is_open_past_deadline then 1 else 0 end) as open_past_deadline_count
    from findings
    group by inspection_no

),

final as (

    select
        -- ids
        inspections.inspection_no,
        inspections.county_code,
        inspections.project_code,

        -- inspection
        inspections.project_name,
        inspections.contractor,
        inspections.inspection_type,

        -- dates
        inspections.inspection_date,
        {{ month_start('inspections.inspection_date') }} as inspection_month_start_date,

        -- measures
        coalesce(finding_counts.finding_count, 0) as finding_count,
        coalesce(finding_counts.major_or_critical_count, 0) as major_or_critical_count,
        coalesce(finding_counts.deadline_passed_count, 0) as deadline_passed_count,
        coalesce(finding_counts.rectified_on_time_count, 0) as rectified_on_time_count,
        coalesce(finding_counts.open_past_deadline_count, 0) as open_past_deadline_count

    from inspections
    left join finding_counts
        on inspections.inspection_no = finding_counts.inspection_no

)

select * from final
