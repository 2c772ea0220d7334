-- Failed items belong to one version of their sample (same load id). Keeping only the items
-- of each sample's latest version drops items a corrected re-export no longer lists.

with

failed_items as (

    select * from {{ ref('base_housing__building_material_failed_items') }}

),

samples as (

    select * from {{ ref('stg_housing__building_material_sampling') }}

),

final as (

    select failed_items.*
    from failed_items
    inner join samples
        on failed_items.sample_id = samples.sample_id
        and failed_items.load_id = samples.load_id

)

select * from final
