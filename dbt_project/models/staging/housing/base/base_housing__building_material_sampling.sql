with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('housing', 'building_material_sampling') }}

),

renamed as (

    select
        -- ids
        sample_id,
        county_code,

        -- categories
        material_type,
        sampling_stage,

        -- product and parties
        product_name,
        spec,
        producer_name,
        sampled_unit,
        project_name,
        address,

        -- test
        standard,
        lab,
        failed_items_text,

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
