{{ config(materialized='table') }}

-- One row per source x county x month whose aggregates the loads above the last complete
-- build (built_load_id(), macros/build_state.sql) changed: for every key (sample, project)
-- with a new version, the county and month of each of its versions, new and superseded, so
-- a correction that moves a sample to another month or county recomputes both places. The
-- aggregate marts' incremental runs delete and recompute these periods (or their years).
-- Computed once per build; empty on --full-refresh, which rebuilds those marts whole.

{%- set sources = [
    ('market_sampling', ref('base_market_regulation__market_sampling'), 'sample_id', 'sampling_date'),
    ('agri_testing', ref('base_agriculture__agri_testing'), 'sample_id', 'sampling_date'),
    ('construction_acceptance', ref('base_housing__construction_acceptance'), 'project_code', 'acceptance_date'),
] %}

with

{% for source, versions, key, date_column in sources %}
{{ source }}_periods as (

    select distinct
        '{{ source }}' as source,
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
{% endfor %}

final as (

    {% for source in sources %}
    select * from {{ source[0] }}_periods
    {{ 'union all' if not loop.last }}
    {% endfor %}

)

select * from final
