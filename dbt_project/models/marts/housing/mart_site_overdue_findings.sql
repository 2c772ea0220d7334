-- One row per county x project with findings open past their deadline as of the reference
-- day: what 住建局's weekly digest and the dashboard list. Labelled with the 监测指标 it
-- details, so the digest finds its recipients through bridge_indicator_department.

with

findings as (

    select * from {{ ref('fct_site_findings') }}

),

overdue as (

    select
        county_code,
        project_code,
        project_name,
        min(contractor) as contractor,
        count(*) as open_past_deadline_count,
        sum(case when is_major_or_critical then 1 else 0 end) as major_or_critical_count,
        min(deadline_date) as earliest_deadline_date,
        max(days_past_deadline) as max_days_past_deadline,
        max(as_of_date) as as_of_date
    from findings
    where is_open_past_deadline
    group by county_code, project_code, project_name

),

final as (

    select
        -- ids
        {{ surrogate_key(['county_code', 'project_code', 'project_name']) }} as overdue_key,
        'MON_SITE_OVERDUE_OPEN_FINDINGS' as indicator_code,
        county_code,
        project_code,

        -- project
        project_name,
        contractor,

        -- measures
        open_past_deadline_count,
        major_or_critical_count,
        max_days_past_deadline,

        -- dates
        earliest_deadline_date,
        as_of_date

    from overdue

)

select * from final
