"""What a process that forks Airflow task processes imports first, so that none pays it.

On Linux both executors fork their task processes: the LocalExecutor from its workers
(forked from the scheduler), a Celery worker from its pool (forked from the worker's main
process). Whatever the parent imported is in every child for free. Each task otherwise
imports, per run: Great Expectations (~3 s of CPU, every ingest task) and, to parse the
warehouse DAG file, Cosmos and the DAG modules (~0.9 s, each of the ~110 model and test
tasks of a warehouse run). Measured in `benchmarks/README.md` (Airflow sections).
"""

from __future__ import annotations

import importlib
import logging
import time

log = logging.getLogger(__name__)

#: Imported by the DAG files or their tasks; `ingestion.pipeline.import_validation` too.
MODULES = (
    "cosmos",
    "cosmos.operators.watcher",
    "orchestration.cosmos_dbt",
    "orchestration.dag_settings",
    "orchestration.steps",
)


def preload_task_imports() -> None:
    """Import validation and the DAG files' modules into this (parent) process, and make
    the task supervisors it forks free a task's slot as soon as the task process ends
    (`orchestration.task_exit`)."""
    from ingestion.pipeline import import_validation
    from orchestration.task_exit import wake_supervisors_on_task_exit

    woken = wake_supervisors_on_task_exit()
    started = time.process_time()
    for name in MODULES:
        importlib.import_module(name)
    import_validation()  # last: it freezes what is imported by then out of the collector
    log.info(
        "qcity: task imports preloaded in %.1f s of CPU; %s",
        time.process_time() - started,
        "supervisors wake on task exit" if woken else "supervisors left as Airflow made them",
    )
