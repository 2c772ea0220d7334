"""The warehouse pool: DuckDB allows one writer process, so one slot.

Every task that opens the warehouse (ingest, dbt, freshness, publishing) takes this pool's
only slot. Airflow 3 does not schedule tasks of a pool that does not exist, and DAG files
must not touch the database, so the pool is created beforehand by
`orchestration.local_airflow.ensure_pool` (make airflow, make demo, the tests) and by the
compose file's init service. Kept apart from `dag_settings` so it imports without Airflow.
"""

WAREHOUSE_POOL = "qcity_warehouse"
WAREHOUSE_POOL_DESCRIPTION = "DuckDB warehouse: one writer process at a time"
