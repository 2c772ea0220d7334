with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('market_regulation', 'market_sampling') }}

),

renamed as (

    select
        -- ids
        sample_id,
        county_code,

        -- categories
        sampling_type,
        category,

        -- product and parties
        product_name,
        producer_name,
        producer_address,
        sampled_unit,
        sampled_unit_address,
        spec,
        brand,
        batch_text,

        -- announcement and lab
        announcement_no,
        task_source,
        lab,
        remarks,
        failed_items_text,

        -- dates
        sampling_date,
        production_date,
        announcement_date,

        -- verdict
        verdict,
        verdict = 'pass' as is_passed,

        -- lineage
        {{ lineage_columns() }}

    from source

)

select * from renamed
