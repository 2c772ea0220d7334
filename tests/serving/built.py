"""One warehouse built with dbt, shared by the serving and report tests.

The dbt tests' hand-made history (tests/dbt/dataset.py, both batches, with their
hand-worked expected rates), as the dbt tests build it: the first batch, then the second
incrementally (`tests.dbt.conftest.both_batches_built`). A dbt build costs ~30 s of CPU,
so the file is built once per run (tests/shared.py), also under pytest-xdist, where the
workers share it with the dbt tests. Tests copy it before changing anything.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.dbt.conftest import both_batches_built


def built_warehouse(factory: pytest.TempPathFactory) -> Path:
    """The built warehouse file (read it, or copy it before writing)."""
    return both_batches_built(factory).warehouse


def copy_of(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    target.chmod(0o644)
    return target
