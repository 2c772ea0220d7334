with

source as (

    select * from {{ source('market_regulation', 'market_sampling_failed_items') }}

),

renamed as (

    select
        -- ids
        sample_id,
        item_seq,

        -- item
        trim(item) as failed_item,
        measured_text,
        limit_text,

        -- lineage: the version of the sample the item belongs to
        _load_id as load_id,
        _source_file as source_file_name,
        _file_sha256 as source_file_sha256,
        _row_number as source_row_number,
        _loaded_at as loaded_at

    from source

)

select * from renamed
