"""One warehouse built with dbt, shared by the serving and report tests.

The dbt tests' hand-made history (tests/dbt/dataset.py, both batches, with their
hand-worked expected rates) is written and built once per test run. A dbt build costs
~20 s, so the built file is kept under the run's base temporary folder behind a file lock:
whichever test needs it first builds it, including under pytest-xdist, where the folder is
shared by the workers. Tests copy it before changing anything.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

from tests.dbt.conftest import dbt_paths, new_warehouse, qcity_build
from tests.dbt.dataset import FIRST_BATCH, SECOND_BATCH, write_loads

_DONE = "built.ok"


def _shared_root(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp()
    # Under xdist each worker has basetemp/popen-gwN; their parent is the run's own folder.
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_warehouse(factory: pytest.TempPathFactory) -> Path:
    """The built warehouse file (read it, or copy it before writing)."""
    root = _shared_root(factory) / "qcity-built-warehouse"
    root.mkdir(parents=True, exist_ok=True)
    warehouse = root / "qcity.duckdb"
    with (root / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / _DONE).exists():
                warehouse.unlink(missing_ok=True)
                loads = FIRST_BATCH + SECOND_BATCH
                with new_warehouse(warehouse) as con:
                    write_loads(con, loads)
                    # The dataset writes its load ids itself; move the loader's sequence
                    # past them so a later `qcity ingest` into a copy gets fresh ones.
                    con.execute(
                        "select nextval('audit.load_id_seq') from range(?)",
                        [max(load.load_id for load in loads)],
                    )
                with dbt_paths(root / "dbt"):
                    qcity_build(warehouse)
                (root / _DONE).write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return warehouse


def copy_of(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    target.chmod(0o644)
    return target
