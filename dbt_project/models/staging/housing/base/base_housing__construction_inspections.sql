with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('housing', 'construction_inspections') }}

),

renamed as (

    select
        -- ids
        inspection_no,
        finding_no,
        project_code,
        county_code,
        notice_no,

        -- categories
        inspection_type,
        finding_category,
        severity,
        measure,
        status,

        -- project and parties
        project_name,
        address,
        builder,
        contractor,
        supervisor_unit,

        -- finding
        finding_text,

        -- dates
        inspection_date,
        deadline as deadline_date,
        rectified_date,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
