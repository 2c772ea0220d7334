-- Judged as of the build day: rebuilt by every build (tag as_of_day, warehouse/dbt_build.py).
{{ config(tags=['as_of_day']) }}

-- One row per finding of a site inspection (finding_no > 0; row 0 of an inspection that
-- found nothing is no finding), with the inspection's attributes and the rectification
-- facts as of the reference day (macros/as_of_date.sql):
--   * put right: a rectified date on or before the reference day, and a status that does
--     not contradict it (整改中/未整改 with a 复查日期 is not put right);
--   * deadline passed: the deadline is before the reference day (the deadline day itself
--     is still in time);
--   * put right on time: put right, on or before the deadline;
--   * open past deadline: deadline passed and not put right.

with

finding_rows as (

    select * from {{ ref('stg_housing__construction_inspections') }}

),

inspections as (

    select * from {{ ref('int_site_inspections') }}

),

findings as (

    select
        -- ids
        finding_rows.inspection_no,
        finding_rows.finding_no,
        inspections.county_code,
        inspections.project_code,
        finding_rows.notice_no,

        -- inspection
        inspections.project_name,
        inspections.contractor,
        inspections.inspection_type,

        -- finding
        finding_rows.finding_text,
        finding_rows.finding_category,
        finding_rows.severity,
        finding_rows.measure,
        finding_rows.status,

        -- dates
        inspections.inspection_date,
        finding_rows.deadline as deadline_date,
        finding_rows.rectified_date,
        {{ as_of_date() }} as as_of_date,

        -- lineage
        finding_rows.load_id,
        finding_rows.source_file_name,
        finding_rows.source_row_number

    from finding_rows
    inner join inspections
        on finding_rows.inspection_no = inspections.inspection_no
    where finding_rows.finding_no > 0

),

judged as (

    select
        *,
        coalesce(severity in ('major', 'critical'), false) as is_major_or_critical,
        coalesce(
            rectified_date <= as_of_date and coalesce(status, 'rectified') = 'rectified',
            false
        ) as is_rectified,
        coalesce(deadline_date < as_of_date, false) as is_deadline_passed
    from findings

),

final as (

    select
        *,
        coalesce(is_rectified and rectified_date <= deadline_date, false) as is_rectified_on_time,
        is_deadline_passed and not is_rectified as is_open_past_deadline,
        case
            when is_deadline_passed and not is_rectified
                then {{ dbt.datediff('deadline_date', 'as_of_date', 'day') }}
        end as days_past_deadline
    from judged

)

select * from final
