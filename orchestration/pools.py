"""The warehouse pool: DuckDB allows one writer process, so one slot; a PostgreSQL
warehouse takes loads side by side, so as many slots as configured
(`qcity.settings.warehouse_slots`).

Every task that opens the warehouse (ingest, dbt, freshness, publishing) takes a slot of
this pool. Airflow 3 does not schedule tasks of a pool that does not exist, and DAG files
must not touch the database, so the pool is created beforehand by
`orchestration.local_airflow.ensure_pool` (make airflow, make demo, the tests) and by the
compose file's init service. Kept apart from `dag_settings` so it imports without Airflow.
"""

from qcity.settings import warehouse_slots

WAREHOUSE_POOL = "qcity_warehouse"
WAREHOUSE_POOL_DESCRIPTION = "the warehouse's writers at once (DuckDB: one process)"


def warehouse_pool_slots() -> int:
    """The pool's slots for the configured warehouse."""
    return warehouse_slots()
