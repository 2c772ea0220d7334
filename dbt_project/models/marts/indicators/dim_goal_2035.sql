-- One row per long-term goal the plan sets for 2035, in the plan's words. The plan states them
-- without numbers, so each is qualitative: shown beside the 2025 targets, never scored.

with

goals as (

    select * from {{ ref('plan_goals_2035') }}

),

final as (

    select
        -- ids
        goal_code,
        cast(goal_number as integer) as goal_number,

        -- the goal
        goal_zh,
        goal_en,
        cast(target_year as integer) as target_year,
        'qualitative' as kind,

        -- where the plan says it
        plan_clause,
        plan_sentence

    from goals

)

select * from final
