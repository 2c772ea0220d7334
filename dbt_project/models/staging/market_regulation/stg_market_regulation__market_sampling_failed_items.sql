-- Hand-written (qcity contracts sync leaves a stg_ model without its header alone): failed
-- items belong to one version of their sample (same load id). Keeping only the items of each
-- sample's latest version drops items a corrected re-export no longer lists; the item is
-- named failed_item, as the marts read it.

with

failed_items as (

    select * from {{ ref('base_market_regulation__market_sampling_failed_items') }}

),

samples as (

    select * from {{ ref('stg_market_regulation__market_sampling') }}

),

final as (

    select
        -- ids
        failed_items.sample_id,
        failed_items.item_seq,

        -- item
        trim(failed_items.item) as failed_item,
        failed_items.measured_text,
        failed_items.limit_text,

        -- lineage: the version of the sample the item belongs to
        failed_items.load_id,
        failed_items.source_file_name,
        failed_items.source_file_sha256,
        failed_items.source_row_number,
        failed_items.loaded_at

    from failed_items
    inner join samples
        on failed_items.sample_id = samples.sample_id
        and failed_items.load_id = samples.load_id

)

select * from final
