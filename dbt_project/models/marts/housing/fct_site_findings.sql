-- One row per finding of a site inspection, with its rectification facts as of the
-- reference day (the rules: intermediate/int_site_findings.sql).

with

findings as (

    select * from {{ ref('int_site_findings') }}

),

final as (

    select
        -- ids
        {{ surrogate_key(['inspection_no', 'finding_no']) }} as finding_key,
        inspection_no,
        finding_no,
        county_code,
        project_code,
        notice_no,

        -- inspection
        project_name,
        contractor,
        inspection_type,

        -- finding
        finding_text,
        finding_category,
        severity,
        measure,
        status,

        -- dates
        inspection_date,
        {{ month_start('inspection_date') }} as inspection_month_start_date,
        deadline_date,
        rectified_date,
        as_of_date,

        -- measures
        days_past_deadline,

        -- flags
        is_major_or_critical,
        is_rectified,
        is_deadline_passed,
        is_rectified_on_time,
        is_open_past_deadline,

        -- lineage
        load_id,
        source_file_name,
        source_row_number

    from findings

)

select * from final
