-- Failed items belong to one version of their sample (same _load_id). Keeping only the items
-- of each sample's latest version drops items a corrected re-export no longer lists.

with

failed_items as (

    select * from {{ source('market_regulation', 'market_sampling_failed_items') }}

),

samples as (

    select * from {{ source('market_regulation', 'market_sampling') }}

),

latest_sample_versions as (

    select
        sample_id,
        max(_load_id) as latest_load_id
    from samples
    group by sample_id

),

items_of_latest_versions as (

    select failed_items.*
    from failed_items
    inner join latest_sample_versions
        on failed_items.sample_id = latest_sample_versions.sample_id
        and failed_items._load_id = latest_sample_versions.latest_load_id

),

latest as (

    {{ latest_version('items_of_latest_versions', ['sample_id', 'item_seq']) }}

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

        -- lineage
        _load_id as load_id,
        _source_file as source_file_name,
        _file_sha256 as source_file_sha256,
        _row_number as source_row_number,
        _loaded_at as loaded_at

    from latest

)

select * from renamed
