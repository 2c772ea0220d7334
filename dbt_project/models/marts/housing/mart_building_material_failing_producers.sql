-- One row per producer x sampling year with samples: how many of its building-material
-- samples failed, and its rank among the year's producers by failed samples (1 = most;
-- producers with no failed sample are not ranked). Samples without a producer are left out.

with

samples as (

    select * from {{ ref('fct_building_material_samples') }}

),

by_producer as (

    select
        producer_name,
        {{ year_of('sampling_date') }} as sampling_year,
        count(*) as sample_count,
        sum(case when is_passed then 0 else 1 end) as failed_count,
        count(distinct material_type) as material_type_count,
        min(material_type) as first_material_type,
        max(case when not is_passed then sampling_date end) as latest_failed_date
    from samples
    where producer_name is not null
    group by 1, 2

),

ranked as (

    select
        *,
        case
            when failed_count > 0 then
                dense_rank() over (
                    partition by sampling_year, failed_count > 0
                    order by failed_count desc
                )
        end as failing_rank
    from by_producer

),

final as (

    select
        -- ids
        {{ surrogate_key(['producer_name', 'sampling_year']) }} as producer_year_key,
        producer_name,
        sampling_year,

        -- measures
        sample_count,
        failed_count,
        {{ rate_percent('failed_count', 'sample_count') }} as failed_share,
        failing_rank,

        -- what it makes
        material_type_count,
        case when material_type_count = 1 then first_material_type end as material_type,

        -- dates
        latest_failed_date

    from ranked

)

select * from final
