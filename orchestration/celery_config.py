"""Celery configuration of qcity's workers: Airflow's own, plus task processes that start
with validation and the DAG files' imports already loaded (`orchestration.preload`).

Set as `[celery] celery_config_options = orchestration.celery_config.CELERY_CONFIG`
(docker-compose.yml, the topology test). Importing this module only connects a handler to
Celery's `worker_init`, which fires in a worker's main process before it forks its pool;
the scheduler and the API server import it too and preload nothing.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

CELERY_CONFIG: dict[str, Any] = dict(DEFAULT_CELERY_CONFIG)


@worker_init.connect
def _preload(**_: Any) -> None:
    from orchestration.preload import preload_task_imports

    preload_task_imports()
