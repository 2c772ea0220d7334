-- One row per natural key: its latest version (a corrected re-export has a higher load id).

with

final as (

    {{ latest_version(ref('base_market_regulation__market_sampling'), ['sample_id']) }}

)

select * from final
