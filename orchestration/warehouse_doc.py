"""The `qcity_warehouse` DAG's documentation, with the figures behind its execution mode."""

WAREHOUSE_DOC = """
### Warehouse build (dbt via Cosmos)

Scheduled on the raw tables' Assets: runs after any ingestion run loaded a file.

1. `prepare_warehouse` creates the raw and audit tables if missing.
2. `dbt` — the dbt project rendered by Cosmos from the prebuilt manifest
   (`LoadMode.DBT_MANIFEST`; `make`, the demo, the tests and the Docker image run
   `dbt parse` beforehand, so parsing this DAG never runs dbt). Every seed and model is a
   task, and each model's tests another.
3. `publish` refreshes what is read from the marts (`orchestration.publish.PUBLISHERS`:
   the scorecard files today; the dashboard and BI copies when their issues land) and
   updates the `qcity.marts` Asset.

Every task here takes the `{pool}` pool's single slot: DuckDB allows one writer process.

**Execution mode: `{mode}`** (`QCITY_DBT_EXECUTION=watcher|local`, read at parse time).
"""
