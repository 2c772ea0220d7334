-- One row per observation that counts toward one of the four measured indicators: the
-- contract's formulas in one place, for the yearly measurements and the monthly series.
--   QUAL_FOOD_DRUG_SAMPLING_PASS_RATE  market samples of type food or drug
--   QUAL_MFG_PRODUCT_PASS_RATE         market samples of type industrial
--   QUAL_AGRI_MONITORING_PASS_RATE     quantitative agri samples (passed when all items pass)
--   QUAL_PROJECT_FIRST_ACCEPTANCE_RATE large and medium projects' round-1 acceptance
-- Dated by the sampling date (round-1 acceptance date for projects); undated rows left out.

with

market_samples as (

    select * from {{ ref('fct_market_samples') }}

),

agri_samples as (

    select * from {{ ref('fct_agri_samples') }}

),

projects as (

    select * from {{ ref('fct_construction_projects') }}

),

observations as (

    select
        'QUAL_FOOD_DRUG_SAMPLING_PASS_RATE' as indicator_code,
        'market_sampling' as source,
        county_code,
        sampling_date as observed_date,
        is_passed
    from market_samples
    where sampling_type in ('food', 'drug')

    union all

    select
        'QUAL_MFG_PRODUCT_PASS_RATE' as indicator_code,
        'market_sampling' as source,
        county_code,
        sampling_date as observed_date,
        is_passed
    from market_samples
    where sampling_type = 'industrial'

    union all

    select
        'QUAL_AGRI_MONITORING_PASS_RATE' as indicator_code,
        'agri_testing' as source,
        county_code,
        sampling_date as observed_date,
        is_passed
    from agri_samples
    where test_method = 'quantitative'

    union all

    select
        'QUAL_PROJECT_FIRST_ACCEPTANCE_RATE' as indicator_code,
        'construction_acceptance' as source,
        county_code,
        first_acceptance_date as observed_date,
        is_first_acceptance_passed as is_passed
    from projects
    where is_large_or_medium
        and has_first_round

),

final as (

    select
        indicator_code,
        source,
        county_code,
        observed_date,
        case when is_passed then 1 else 0 end as passed
    from observations
    where observed_date is not null

)

select * from final
