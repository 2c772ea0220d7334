with

source as (

    select * from {{ source('agriculture', 'agri_testing') }}

),

renamed as (

    select
        -- ids
        sample_id,
        trim(test_item) as test_item,
        county_code,

        -- categories
        test_method,
        product_group,
        sampling_stage,

        -- sample
        sample_name,
        {{ mask_personal_data('sampling_site') }} as sampling_site,
        lab,
        standard,

        -- measures
        measured_value,
        coalesce(below_detection, false) as is_below_detection,
        limit_value,
        unit,

        -- dates
        sampling_date,

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
