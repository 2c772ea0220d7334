with

source as (

    select * from {{ source('ingestion_audit', 'file_manifest') }}

),

renamed as (

    select
        -- ids
        load_id,
        file_sha256,
        source,

        -- file
        file_name,
        file_path,
        file_size_bytes,
        file_format,
        encoding,

        -- outcome
        status,
        status = 'loaded' as is_loaded,
        status = 'duplicate' as is_duplicate,
        status = 'rejected' as is_rejected,
        error as error_zh,
        error_en,

        -- measures
        coalesce(rows_read, 0) as rows_read,
        coalesce(rows_loaded, 0) as rows_loaded,
        coalesce(rows_quarantined, 0) as rows_quarantined,

        -- timestamps
        received_at,
        cast(received_at as date) as received_date,
        finished_at

    from source

)

select * from renamed
