"""The library the Airflow DAGs in `dags/` call: landing folders, file moves, loads,
freshness, publishing, dbt manifest and the project-local Airflow setup.

Nothing here imports Airflow, DuckDB, Great Expectations or pandas at module level unless
the module's name says so (`orchestration.airflow_*`), so DAG files stay cheap to parse.
"""
