"""One warehouse built with dbt, shared by the serving and report tests.

The dbt tests' hand-made history (tests/dbt/dataset.py, both batches, with their
hand-worked expected rates) is written and built once per test run. A dbt build costs
~20 s, so the file is built once per run (tests/shared.py), also under pytest-xdist,
where the workers share it. Tests copy it before changing anything.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.dbt.conftest import dbt_paths, new_warehouse, qcity_build
from tests.dbt.dataset import FIRST_BATCH, SECOND_BATCH, write_loads
from tests.shared import built_once


def _build(root: Path) -> None:
    loads = FIRST_BATCH + SECOND_BATCH
    with new_warehouse(root / "qcity.duckdb") as con:
        write_loads(con, loads)
        # The dataset writes its load ids itself; move the loader's sequence past them so
        # a later `qcity ingest` into a copy gets fresh ones.
        con.execute(
            "select nextval('audit.load_id_seq') from range(?)",
            [max(load.load_id for load in loads)],
        )
    with dbt_paths(root / "dbt"):
        qcity_build(root / "qcity.duckdb")


def built_warehouse(factory: pytest.TempPathFactory) -> Path:
    """The built warehouse file (read it, or copy it before writing)."""
    return built_once(factory, "serving-warehouse", _build) / "qcity.duckdb"


def copy_of(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    target.chmod(0o644)
    return target
