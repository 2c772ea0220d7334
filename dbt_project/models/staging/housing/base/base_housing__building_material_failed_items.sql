with

source as (

    -- every free-text column masked here, before any other model reads it
    {{ masked_source('housing', 'building_material_failed_items') }}

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
        {{ lineage_columns() }}

    from source

)

select * from renamed
