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
        value as offending_value,
        reason_zh,
        reason_en,

        -- file
        file_name,

        -- timestamps
        quarantined_at

    from source

)

select * from renamed
