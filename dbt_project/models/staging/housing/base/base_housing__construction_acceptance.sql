with

source as (

    select * from {{ source('housing', 'construction_acceptance') }}

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
        _load_id as load_id,
        _source_file as source_file_name,
        _file_sha256 as source_file_sha256,
        _row_number as source_row_number,
        _loaded_at as loaded_at

    from source

)

select * from renamed
