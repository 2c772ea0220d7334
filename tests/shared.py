"""Things built once per test run and shared, read-only, by every test that needs them.

Under pytest-xdist each worker is its own process with its own session fixtures, so a
session fixture alone would build the same warehouse once per worker. `built_once` keeps
the result under the run's base temporary folder (shared by the workers) behind a file
lock: whichever worker needs it first builds it, the others wait and then reuse it. Tests
read what it returns, or copy it before changing anything (copying a DuckDB file is cheap).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

_DONE = "built.ok"


def run_root(factory: pytest.TempPathFactory) -> Path:
    """The run's own temporary folder, the same for every xdist worker."""
    base = factory.getbasetemp()
    # Under xdist each worker has basetemp/popen-gwN; their parent is the run's own folder.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder `name` after `build(folder)` ran in it, once per test run.

    A build that fails leaves no marker: the folder is emptied and the next test that asks
    builds again (and fails with its own error)."""
    root = run_root(factory) / f"qcity-shared-{name}"
    # Everything that touches `root` happens under the lock: a worker that made the folder
    # before taking the lock could recreate it between another worker's rmtree and mkdir.
    with (run_root(factory) / f"qcity-shared-{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / _DONE).exists():
                if root.exists():  # a failed build's leftovers
                    shutil.rmtree(root)
                root.mkdir()
                build(root)
                (root / _DONE).write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return root


def _migrate_and_parse(base: Path) -> None:
    from unittest import mock

    from orchestration.local_airflow import airflow_env, prepare

    with mock.patch.dict(os.environ, {"QCITY_DBT_MANIFEST_DIR": str(base / "dbt")}):
        prepare(airflow_env(base), pool=False)  # AIRFLOW_HOME and sqlite:///{base}/airflow.db


def prepared_airflow(factory: pytest.TempPathFactory, home: Path, manifest_dir: Path) -> None:
    """A migrated SQLite metadata database in `home` and the dbt manifest in `manifest_dir`,
    copied from the ones made once per run (`airflow db migrate` and `dbt parse` take half a
    minute); `orchestration.local_airflow.prepare` then finds both current."""
    shared = built_once(factory, "airflow-home", _migrate_and_parse)
    home.mkdir(parents=True, exist_ok=True)
    for name in ("airflow.db", "airflow.db.migrated"):
        shutil.copy2(shared / name, home / name)
    shutil.copytree(shared / "dbt", manifest_dir, dirs_exist_ok=True)
