with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('agriculture', 'agri_testing') }}

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
        sampling_site,
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
        {{ lineage_columns() }}

    from source

)

select * from renamed
