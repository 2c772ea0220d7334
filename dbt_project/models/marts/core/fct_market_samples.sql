{{
    config(
        materialized='incremental',
        unique_key='sample_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- One row per market-regulation sample, latest version. Incremental runs take only samples
-- whose latest version arrived after the last build and replace them by key.

with

samples as (

    select * from {{ ref('stg_market_regulation__market_sampling') }}
    {% if is_incremental() %}
    where load_id > {{ load_id_watermark() }}
    {% endif %}

),

failed_items as (

    select * from {{ ref('stg_market_regulation__market_sampling_failed_items') }}

),

failed_item_counts as (

    select
        sample_id,
        count(*) as failed_item_count
    from failed_items
    group by sample_id

),

final as (

    select
        -- ids
        samples.sample_id,
        samples.county_code,

        -- categories
        samples.sampling_type,
        samples.category,

        -- product and parties
        samples.product_name,
        samples.producer_name,
        samples.sampled_unit,
        samples.lab,
        samples.announcement_no,

        -- dates
        samples.sampling_date,
        samples.production_date,
        samples.announcement_date,

        -- measures
        coalesce(failed_item_counts.failed_item_count, 0) as failed_item_count,

        -- verdict
        samples.verdict,
        samples.is_passed,

        -- lineage
        samples.load_id,
        samples.source_file_name,
        samples.source_file_sha256,
        samples.source_row_number,
        samples.loaded_at

    from samples
    left join failed_item_counts
        on samples.sample_id = failed_item_counts.sample_id

)

select * from final
