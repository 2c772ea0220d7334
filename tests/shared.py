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
    root.mkdir(parents=True, exist_ok=True)
    with (run_root(factory) / f"qcity-shared-{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / _DONE).exists():
                shutil.rmtree(root)
                root.mkdir()
                build(root)
                (root / _DONE).write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return root
