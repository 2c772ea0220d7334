"""The library the Airflow DAGs in `dags/` call: landing folders, file moves, loads,
freshness, publishing, the dbt manifest and Cosmos task group, and the project-local
Airflow set-up.

DAG files import `dag_settings`, `pools`, `cosmos_dbt` and `callbacks`, which import only
`airflow.sdk`, Cosmos and the contracts; everything that touches DuckDB, Great Expectations
or pandas (`steps`, `ingest`, `freshness`, `publish`) is imported inside the tasks, so
parsing a DAG file stays cheap. `local_airflow` imports Airflow only after `configure()`
has set its environment.
"""
