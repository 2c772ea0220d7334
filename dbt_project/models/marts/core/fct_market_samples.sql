{{
    config(
        materialized='incremental',
        unique_key='sample_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

-- depends_on: {{ ref('base_market_regulation__market_sampling') }}

-- One row per market-regulation sample, latest version. Incremental runs take only samples
-- with a version newer than the last build and replace them by key.

with

samples as (

    {% if is_incremental() %}
    {{ new_latest_versions(ref('base_market_regulation__market_sampling'), ['sample_id']) }}
    {% else %}
    select * from {{ ref('stg_market_regulation__market_sampling') }}
    {% endif %}

),

failed_items as (

    select * from {{ ref('base_market_regulation__market_sampling_failed_items') }}

),

failed_item_counts as (

    -- the items of the very version of each sample
    select
        failed_items.sample_id,
        count(*) as failed_item_count
    from failed_items
    inner join samples
        on failed_items.sample_id = samples.sample_id
        and failed_items.load_id = samples.load_id
    group by failed_items.sample_id

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
