{{ config(materialized='table') }}

-- One row per source x county x month whose aggregates the loads above the last complete
-- build (built_load_id(), macros/build_state.sql) may have changed: every county any version
-- of a key with a new version (sample, project) names, with every month any such version is
-- dated in, new and superseded versions alike. A correction that moves a sample to another
-- month or county therefore recomputes both places; and a row a fact derives from several
-- versions (an agricultural sample's first county and first date across its items, a
-- project's round-1 date with the latest attempt's county) lands in a touched period
-- whichever version it took its county and month from. The monthly aggregates'
-- incremental runs delete and recompute these periods (int_monthly_outcomes,
-- int_monthly_failures). Computed once per build; empty on --full-refresh, which rebuilds
-- those models whole.

{%- set sources = [
    ('market_sampling', ref('base_market_regulation__market_sampling'), 'sample_id', 'sampling_date'),
    ('agri_testing', ref('base_agriculture__agri_testing'), 'sample_id', 'sampling_date'),
    ('construction_acceptance', ref('base_housing__construction_acceptance'), 'project_code', 'acceptance_date'),
] %}

with

{% for source, versions, key, date_column in sources %}
{{ source }}_touched_versions as (

    select
        county_code,
        {{ month_start(date_column) }} as month_start_date
    from {{ versions }}
    where {{ key }} in (
        select {{ key }} from {{ versions }} where load_id > {{ built_load_id() }}
    )
    {% if flags.FULL_REFRESH %}
        and false
    {% endif %}

),

{{ source }}_counties as (

    select distinct county_code
    from {{ source }}_touched_versions

),

{{ source }}_months as (

    select distinct month_start_date
    from {{ source }}_touched_versions
    where month_start_date is not null

),

{{ source }}_periods as (

    select
        '{{ source }}' as source,
        {{ source }}_counties.county_code,
        {{ source }}_months.month_start_date
    from {{ source }}_counties
    cross join {{ source }}_months

),
{% endfor %}

final as (

    {% for source in sources %}
    select * from {{ source[0] }}_periods
    {{ 'union all' if not loop.last }}
    {% endfor %}

)

select * from final
