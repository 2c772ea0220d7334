-- Hand-written (qcity contracts sync leaves a stg_ model without its header alone): the
-- latest version of each acceptance attempt (a corrected re-export has a higher load id),
-- with whether the project is large or medium, the size class the plan's 100 % target is of.

with

latest as (

    {{ latest_version(ref('base_housing__construction_acceptance'), ['project_code', 'acceptance_round']) }}

),

final as (

    select
        *,
        scale_class in ('large', 'medium') as is_large_or_medium

    from latest

)

select * from final
