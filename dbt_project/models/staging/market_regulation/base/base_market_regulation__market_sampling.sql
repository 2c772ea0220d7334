with

source as (

    select * from {{ source('market_regulation', 'market_sampling') }}

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
        {{ mask_personal_data('sampled_unit') }} as sampled_unit,
        {{ mask_personal_data('sampled_unit_address') }} as sampled_unit_address,
        spec,
        brand,
        batch_text,

        -- announcement and lab
        announcement_no,
        task_source,
        lab,
        {{ mask_personal_data('remarks') }} as remarks,
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
