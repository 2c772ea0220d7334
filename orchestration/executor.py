"""The LocalExecutor whose task processes start with Great Expectations already imported.

Airflow 3's LocalExecutor forks its worker processes from the scheduler, and each worker's
supervisor forks the process that runs a task. Whatever the scheduler imported before the
workers were forked is therefore in every task process for free. Importing validation (GX
and the loader, ~3 s of CPU) once here, instead of in every `ingest_file` task, is what
lets a landing folder of small files load at more than a file a second
(`benchmarks/airflow_landing.py`).

Configured as `[core] executor` by `orchestration.local_airflow` (`make airflow`, the
tests, the benchmarks). Nothing else changes: same queues, same parallelism, same pool.
"""

from __future__ import annotations

from airflow.executors.local_executor import LocalExecutor

#: `[core] executor` value naming this class.
EXECUTOR = "orchestration.executor.PreloadingLocalExecutor"


class PreloadingLocalExecutor(LocalExecutor):
    """LocalExecutor that imports what tasks need in the scheduler before forking workers."""

    def start(self) -> None:
        if self.is_mp_using_fork:  # spawned workers would import everything anew anyway
            from orchestration.preload import preload_task_imports

            preload_task_imports()
        super().start()
