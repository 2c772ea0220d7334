"""The `qcity_warehouse` DAG's documentation, with the figures behind its execution mode."""

WAREHOUSE_DOC = """
### Warehouse build (dbt via Cosmos)

Scheduled on the raw tables' Assets: runs after any ingestion run loaded a file.

1. `prepare_warehouse` creates the raw and audit tables if missing.
2. `dbt` — the dbt project rendered by Cosmos from the prebuilt manifest
   (`LoadMode.DBT_MANIFEST`; `make`, the demo, the tests and the Docker image run
   `dbt parse` beforehand, so parsing this DAG never runs dbt). Every seed and model is a
   task, and each model's tests another. On DuckDB the build covers what the new loads
   touched (as `qcity build` does); the tasks of what it left out are skipped.
3. `publish` refreshes what is read from the marts (`qcity.publish.PUBLISHERS`:
   the scorecard files today; the dashboard and BI copies when their issues land) and
   updates the `qcity.marts` Asset. In watcher mode it waits for the build task alone
   (which fails if any model or test fails), so the marts are published while the model
   and test tasks are still reporting the build's results.

Every task here takes the `{pool}` pool's single slot: DuckDB allows one writer process.

**Execution mode: `{mode}`** (`QCITY_DBT_EXECUTION=watcher|local`, read at parse time).

Why watcher: measured with `benchmarks/airflow_bench.py` on 2 cores, demo data (3,000
market rows, 31 files), this DAG alone under `dag.test()` in a fresh process:

| mode | what runs | tasks | wall time |
|---|---|---|---|
| `watcher` | one `dbt build` (274 nodes, 4 dbt threads); each model's and test's task reads its result | 72 | 50 s |
| `local` | one dbt invocation per seed, model and test task, one at a time in the pool | 70 | 123 s |
| CLI | `qcity build` (the same `dbt build`, no Airflow) | — | 15 s |

In `local` mode every task pays dbt's start-up and project parse again, and the pool
serialises them; under a real executor each task is also a new process importing dbt, so
the gap grows. Watcher pays them once and still shows every model. Under Celery with
PostgreSQL (the topology test, one worker of two slots) the watcher build DAG takes about
50 s; it took 145 s while each of its ~120 short task processes held its worker slot
5 s after its work was done (Airflow's supervisor noticed the exit a heartbeat late;
`orchestration/task_exit.py`).

Two changes make watcher cheaper here. The producer is upstream of the model tasks (in a
task group Cosmos does not order them, and `dag.test()` would wait on a model task started
before the build), and the build's per-node progress events are not pushed as XComs (about
1,100 API calls that only fed log lines): the build task went from 78 s to about 30 s.

Only the producer writes DuckDB, so only it takes the pool's slot. dbt tasks have no
retries: Cosmos runs a watcher build once (a retried producer skips itself) and a retried
model task would run dbt outside the pool. Re-run the DAG to retry a failed build.
"""
