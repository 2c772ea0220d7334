"""Importing Great Expectations without the libraries that our suites never run.

`import great_expectations` registers every core expectation, and two of them bring in
large libraries at import time: the KL-divergence expectation imports `altair` (charts,
with `narwhals` and `jsonschema`) and `scipy.stats`. Our suites use neither expectation,
yet the two cost ~40 % of GX's import (1.9 s of 5.1 s under `python -X importtime`) in
every process that validates a file: each `qcity ingest` and each Airflow task.

So while GX is imported, those two packages are created as lazy modules
(`importlib.util.LazyLoader`): the names exist, the code runs on first attribute access.
An expectation that does use them still works, it just pays for them when it first runs.
Once GX is in, imports are ordinary again: nothing else in the process is affected.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType

#: Top-level packages GX imports at start-up for expectations our suites never use.
DEFERRED = ("altair", "scipy")


class _Deferring(importlib.abc.MetaPathFinder):
    """Finds the deferred packages (and their submodules) as lazily executed modules."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = frozenset(packages)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] not in self.packages:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


@contextlib.contextmanager
def deferred(packages: Sequence[str]) -> Iterator[None]:
    """Imports of `packages` inside the block are lazy (those already imported stay as
    they are)."""
    finder = _Deferring([p for p in packages if p not in sys.modules])
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def import_great_expectations() -> ModuleType:
    """`great_expectations`, imported once, without phoning home or progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no phoning home, ever
    os.environ.setdefault("TQDM_DISABLE", "1")  # GX's per-metric progress bars, in every log line
    if "great_expectations" not in sys.modules:
        with deferred(DEFERRED):
            import great_expectations  # noqa: F401
    return sys.modules["great_expectations"]
