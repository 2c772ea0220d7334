-- One row per construction project: its round-1 acceptance (the first-time pass rate's
-- event) beside the summary of all its attempts. Scale and county come from round 1 when
-- there is one, else from the latest attempt.

with

attempts as (

    select * from {{ ref('stg_housing__construction_acceptance') }}

),

round_one as (

    select *
    from attempts
    where acceptance_round = 1

),

ranked_attempts as (

    select
        *,
        row_number() over (
            partition by project_code
            order by acceptance_round desc
        ) as recency_rank
    from attempts

),

latest_attempt as (

    select *
    from ranked_attempts
    where recency_rank = 1

),

attempt_summary as (

    select
        project_code,
        count(*) as attempt_count,
        max(acceptance_round) as latest_round,
        min(case when is_passed then acceptance_date end) as accepted_date,
        max(load_id) as latest_load_id
    from attempts
    group by project_code

),

final as (

    select
        -- ids
        attempt_summary.project_code,
        coalesce(round_one.county_code, latest_attempt.county_code) as county_code,

        -- categories
        coalesce(round_one.scale_class, latest_attempt.scale_class) as scale_class,
        {{ is_large_or_medium('coalesce(round_one.scale_class, latest_attempt.scale_class)') }}
            as is_large_or_medium,

        -- project
        latest_attempt.project_name,
        latest_attempt.structure_type,

        -- dates
        round_one.acceptance_date as first_acceptance_date,
        attempt_summary.accepted_date,

        -- measures
        attempt_summary.attempt_count,
        attempt_summary.latest_round,

        -- flags
        round_one.project_code is not null as has_first_round,
        coalesce(round_one.is_passed, false) as is_first_acceptance_passed,
        attempt_summary.accepted_date is not null as is_accepted,

        -- lineage
        attempt_summary.latest_load_id

    from attempt_summary
    inner join latest_attempt
        on attempt_summary.project_code = latest_attempt.project_code
    left join round_one
        on attempt_summary.project_code = round_one.project_code

)

select * from final
