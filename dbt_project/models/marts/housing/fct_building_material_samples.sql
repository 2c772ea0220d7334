-- One row per building-material sample (latest version), with its failed-item count.

with

samples as (

    select * from {{ ref('stg_housing__building_material_sampling') }}

),

failed_items as (

    select * from {{ ref('stg_housing__building_material_failed_items') }}

),

item_counts as (

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
        samples.material_type,
        samples.sampling_stage,

        -- product and parties
        samples.product_name,
        samples.spec,
        samples.producer_name,
        samples.sampled_unit,
        samples.project_name,

        -- test
        samples.standard,
        samples.lab,

        -- dates
        samples.sampling_date,
        {{ month_start('samples.sampling_date') }} as sampling_month_start_date,

        -- measures
        coalesce(item_counts.failed_item_count, 0) as failed_item_count,

        -- verdict
        samples.verdict,
        samples.is_passed,

        -- lineage
        samples.load_id,
        samples.source_file_name,
        samples.source_row_number

    from samples
    left join item_counts
        on samples.sample_id = item_counts.sample_id

)

select * from final
