{# The periods whose aggregates loads above built_load_id() changed, for the aggregate marts'
   incremental runs: for every key (sample, project) with a new version, the county and the
   period of each of its versions, new and superseded, so a correction that moves a sample
   to another month or county recomputes both places. One row per source x county_code x
   period_start_date (the first day of the month or of the year, by `grain`). Only the raw
   versions are read, through the base views' unmasked columns. #}
{% macro touched_periods(grain) -%}
    {%- for source, versions, key, date_column in touched_period_sources() %}
    select distinct
        '{{ source }}' as source,
        county_code,
        cast({{ dbt.date_trunc(grain, date_column) }} as date) as period_start_date
    from {{ versions }}
    where {{ key }} in (
        select {{ key }} from {{ versions }} where load_id > {{ built_load_id() }}
    )
    {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# Each measured source: its name, its versions (base view), the key a correction replaces,
   and the date that places a row in a period. #}
{% macro touched_period_sources() -%}
    {{ return([
        ('market_sampling', ref('base_market_regulation__market_sampling'), 'sample_id', 'sampling_date'),
        ('agri_testing', ref('base_agriculture__agri_testing'), 'sample_id', 'sampling_date'),
        ('construction_acceptance', ref('base_housing__construction_acceptance'), 'project_code', 'acceptance_date'),
    ]) }}
{%- endmacro %}

{# A mart incremental by period depends on the versions touched_periods() reads: rendered
   in its body (a comment), so dbt sees the refs when it parses the model. A unit test,
   which runs the full build of the model on its given rows, has no such nodes. #}
{% macro touched_periods_depends_on() -%}
    {%- if model.resource_type != 'unit_test' -%}
    -- depends_on:{% for source in touched_period_sources() %} {{ source[1] }}{% endfor %}
    {%- endif -%}
{%- endmacro %}

{# Pre-hook of an aggregate mart incremental by period: delete its rows of the touched
   periods (`matches`: a condition on `target`, the mart's row, and `touched`, a row of
   touched_periods(grain)); the run then inserts them recomputed. A period no row remains in
   stays deleted. #}
{% macro delete_touched_periods(grain, matches) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as target
        where exists (
            select 1
            from ({{ touched_periods(grain) }}) as touched
            where {{ matches }}
        )
    {%- endif -%}
{%- endmacro %}
