{{
    config(
        materialized='incremental',
        unique_key='sample_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_items_of_resampled_samples() }}",
        meta={'materializes': 'stg_market_regulation__market_sampling_failed_items'}
    )
}}

-- depends_on: {{ ref('base_market_regulation__market_sampling') }}
-- depends_on: {{ ref('base_market_regulation__market_sampling_failed_items') }}
-- depends_on: {{ ref('fct_market_samples') }}

-- One row per failed test item of a market-regulation sample's latest version. A corrected
-- re-export may list fewer items (or none, when the sample now passes): the pre-hook removes
-- the items of every sample with a newer version before the new items are inserted.

with

failed_items as (

    {% if is_incremental() %}
    -- the items of the samples' new versions: fct_market_samples holds each latest version
    select items.*
    from {{ ref('base_market_regulation__market_sampling_failed_items') }} as items
    inner join {{ ref('fct_market_samples') }} as samples
        on items.sample_id = samples.sample_id
        and items.load_id = samples.load_id
    where items.{{ has_new_version('sample_id', ref('base_market_regulation__market_sampling')) }}
    {% else %}
    select * from {{ ref('stg_market_regulation__market_sampling_failed_items') }}
    {% endif %}

),

final as (

    select
        -- ids
        {{ surrogate_key(['sample_id', 'item_seq']) }} as failed_item_key,
        sample_id,
        item_seq,

        -- item
        failed_item,
        measured_text,
        limit_text,

        -- lineage
        load_id,
        source_file_name,
        source_file_sha256,
        source_row_number,
        loaded_at

    from failed_items

)

select * from final
