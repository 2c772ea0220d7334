with

source as (

    select * from {{ source('ingestion_audit', 'quarantine') }}

),

renamed as (

    select
        -- ids
        load_id,
        row_number as source_row_number,
        file_sha256,
        source,

        -- problem
        column_name,
        rule,
        -- the cell as sent may be a phone number or a name: masked like any free text
        {{ mask_personal_data('value') }} as offending_value,
        reason_zh,
        reason_en,

        -- file
        file_name,

        -- timestamps
        quarantined_at

    from source

)

select * from renamed
