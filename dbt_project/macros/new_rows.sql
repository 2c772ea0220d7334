{# Data tests of an incremental build look at the rows of new loads only (load id above
   built_load_id()), where a full scan adds nothing: every older row passed the same test in
   an earlier build of the same code and has not changed since. dbt_project.yml sets
   `where: "__new_rows__"` on every data test; this override of dbt's get_where_subquery
   turns it into the tested relation's new rows:

   * a latest-version view (a stg_ model made by latest_version(), which records its
     natural key in meta.natural_key): the latest versions of the keys with a new version,
     ranked among those keys' versions only, as the incremental facts take them;
   * a relation with a load_id (or latest_load_id) column: its rows with a new load id; for
     unique and unique_combination_of_columns, every row whose key occurs among them, so a
     new row that repeats an old key still fails;
   * a view an incremental fact materializes (the fact's meta.materializes names it): no
     row; the same tests on the fact look at its new rows (stg_..._failed_items joins the
     latest versions of all samples, a full ranking, for rows the fact holds already);
   * anything else (dimensions, aggregate marts: small tables): all rows.

   A full scan (var full_scan, --full-refresh, changed project files) tests every row. #}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and '__new_rows__' in where -%}
        {%- set new_rows = new_rows_of(relation) -%}
        {%- set where = where | replace('__new_rows__', 'true') -%}
        {%- if where | trim == 'true' -%}
            {%- do return(new_rows) -%}
        {%- endif -%}
        {%- do return('(select * from ' ~ new_rows ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- elif where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{# The tested relation restricted to its new rows (see above), as a relation or subquery. #}
{% macro new_rows_of(relation) -%}
    {%- if not execute or var('full_scan', false) or flags.FULL_REFRESH -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- if tested -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.meta.get('materializes') == tested.name -%}
            {%- do return('(select * from ' ~ relation ~ ' where 1 = 0) as new_rows') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set natural_key = tested.config.meta.get('natural_key') if tested else none -%}
    {%- if natural_key -%}
        {%- set versions = graph.nodes[tested.depends_on.nodes[0]] -%}
        {%- set versions_relation = api.Relation.create(database=versions.database, schema=versions.schema, identifier=versions.alias) -%}
        {%- set latest = latest_version(versions_relation, natural_key, where=natural_key[0] ~ ' in (select ' ~ natural_key[0] ~ ' from ' ~ versions_relation ~ ' where load_id > ' ~ built_load_id() ~ ')') -%}
        {%- do return('(' ~ latest ~ ') as new_rows') -%}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- set load_column = 'load_id' if 'load_id' in columns else ('latest_load_id' if 'latest_load_id' in columns else none) -%}
    {%- if not load_column -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set test_name = model.test_metadata.name if model.test_metadata else none -%}
    {%- set key = [model.test_metadata.kwargs.column_name] if test_name == 'unique'
        else (model.test_metadata.kwargs.combination_of_columns if test_name == 'unique_combination_of_columns' else none) -%}
    {%- if key -%}
        {%- set matches = [] -%}
        {%- for column in key -%}
            {%- do matches.append('new_keys.' ~ column ~ ' = all_rows.' ~ column) -%}
        {%- endfor -%}
        {%- do return('(select * from ' ~ relation ~ ' as all_rows where exists (select 1 from ' ~ relation ~ ' as new_keys where new_keys.' ~ load_column ~ ' > ' ~ built_load_id() ~ ' and ' ~ matches | join(' and ') ~ ')) as new_rows') -%}
    {%- endif -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ load_column ~ ' > ' ~ built_load_id() ~ ') as new_rows') -%}
{%- endmacro %}
