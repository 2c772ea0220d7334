with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('housing', 'construction_acceptance') }}

),

renamed as (

    select
        -- ids
        project_code,
        acceptance_round,
        county_code,

        -- categories
        scale_class,
        coalesce(scale_class_derived, false) as is_scale_class_derived,
        scale_class in ('large', 'medium') as is_large_or_medium,
        structure_type,

        -- project and parties
        project_name,
        address,
        builder,
        contractor,
        supervisor_unit,
        filing_no,

        -- measures
        floor_area_m2,
        cost_10k_yuan,

        -- dates
        acceptance_date,
        filing_date,

        -- verdict
        verdict,
        verdict = 'pass' as is_passed,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
