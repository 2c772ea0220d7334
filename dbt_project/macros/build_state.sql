{# What the last complete build covered, in the warehouse itself (schema build_state, one row):
   every load up to built_load_id has been built into the marts and tested, by a build of the
   project whose files hashed to project_hash. Loads above it are the "new rows" that an
   incremental build tests (get_where_subquery) and whose periods the aggregate marts rebuild.

   on-run-start notes the highest load id the build starts from; on-run-end moves
   built_load_id up to it only when the build was complete for those loads: a `dbt build`
   with every node passing, of the whole project or of what `qcity build` selected for the
   new loads (environment variable QCITY_DBT_NEW_LOADS_SELECTED: the newest load id that
   selection saw, so a load that lands while dbt starts stays new for the next build).
   Anything else leaves it, so the next build looks at the same loads again. #}

{% macro build_state_relation() -%}
    {{- return(api.Relation.create(database=target.database, schema='build_state', identifier='watermark', type='table')) -}}
{%- endmacro %}

{% macro begin_build_state() -%}
    {%- set state = build_state_relation() -%}
    create schema if not exists {{ state.schema }};
    create table if not exists {{ state }} (
        built_load_id bigint not null,
        started_load_id bigint,
        project_hash {{ dbt.type_string() }},
        built_at timestamp
    );
    insert into {{ state }} (built_load_id)
    select -1 where not exists (select 1 from {{ state }});
    update {{ state }}
    set started_load_id = (
        select coalesce(max(load_id), -1) from {{ source('ingestion_audit', 'file_manifest') }}
        {%- if execute and env_var('QCITY_DBT_NEW_LOADS_SELECTED', '') %}
        where load_id <= {{ env_var('QCITY_DBT_NEW_LOADS_SELECTED') | int }}
        {%- endif %}
    )
{%- endmacro %}

{% macro end_build_state(results) -%}
    {%- set passed = ['success', 'pass', 'warn', 'no-op'] -%}
    {%- set complete = false -%}
    {%- if execute -%}
        {#- read at run time only: an environment variable read while parsing is tracked -#}
        {%- set complete = flags.WHICH == 'build'
            and (not invocation_args_dict.get('select') or env_var('QCITY_DBT_NEW_LOADS_SELECTED', '') != '')
            and results | rejectattr('status', 'in', passed) | list | length == 0 -%}
    {%- endif -%}
    {%- if complete -%}
        update {{ build_state_relation() }}
        set built_load_id = started_load_id,
            project_hash = {{ "'" ~ var('project_hash') ~ "'" if var('project_hash', none) else 'null' }},
            built_at = current_timestamp
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{# The highest load id already built and tested, as a number in the SQL (a constant lets
   DuckDB skip the row groups of older loads); -1 (so every row is new) on a full scan: var
   full_scan, --full-refresh, or a project whose files changed since that build (var
   project_hash, which `qcity build` passes), or no build_state yet (`dbt compile` on a new
   warehouse). Read at run time, after on-run-start, once per invocation (run_memo: it
   moves only in on-run-end, after every caller); parsing sees -1. #}
{% macro built_load_id() -%}
    {%- set state = build_state_relation() -%}
    {%- if not execute or var('full_scan', false) or flags.FULL_REFRESH
        or adapter.get_relation(state.database, state.schema, state.identifier) is none -%}
        {{- return(-1) -}}
    {%- endif -%}
    {%- set memo = run_memo() -%}
    {%- if 'built_load_id' not in memo -%}
        {%- set hash = var('project_hash', none) -%}
        {%- set found = run_query(
            "select max(case when " ~ ("project_hash = '" ~ hash ~ "'" if hash else "true")
            ~ " then built_load_id else -1 end) from " ~ state
        ).columns[0].values()[0] -%}
        {%- do memo.update({'built_load_id': -1 if found is none else found | int}) -%}
    {%- endif -%}
    {{- return(memo['built_load_id']) -}}
{%- endmacro %}
