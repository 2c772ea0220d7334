"""Airflow callbacks of every qcity task, importing their work only when they fire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def on_failure(context: Mapping[str, Any]) -> None:
    """A failed task tells the data engineering contact (`alerts.callbacks`); never raises."""
    from alerts.callbacks import on_task_failure

    on_task_failure(context)
