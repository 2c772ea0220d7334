"""`built_once` is what the suite's xdist workers share: it must build once under contention.

The workers all reach the run's shared builds at the same moment (the dbt parse is an
autouse session fixture), so the helper is tested the way it broke on CI: many processes
asking for the same folders at once. A worker that created the folder outside the lock
recreated it between another worker's `rmtree` and `mkdir`, and every test of that worker
failed with `FileExistsError`.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from tests.shared import built_once

_PROCESSES = 8
_NAMES = 200
_WAIT_AT_MOST = 300  # seconds; the 1,600 asks take a second or two


class _Factory:
    """The one method of pytest's TempPathFactory that `built_once` calls."""

    def __init__(self, base: Path) -> None:
        self._base = base

    def getbasetemp(self) -> Path:
        return self._base


@pytest.fixture(autouse=True)
def _outside_xdist(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared folders go under the fake factory's base, not its parent as under xdist."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


def _record_build(root: Path) -> None:
    (root / "made").write_text(root.name)
    with (root.parent / "builds.log").open("a") as log:
        log.write(f"{root.name}\n")


def _ask(args: tuple[str, str]) -> str:
    base, name = args
    try:
        root = built_once(_Factory(Path(base)), name, _record_build)  # type: ignore[arg-type]
    except Exception as error:  # reported to the parent: a raise would stop the pool's map
        return repr(error)
    return (root / "made").read_text()


def test_processes_asking_at_once_share_one_build_each(tmp_path: Path) -> None:
    asks = [(str(tmp_path), f"n{i}") for i in range(_NAMES) for _ in range(_PROCESSES)]
    # Spawned, not forked: a fork of an xdist worker, which has threads, can copy a lock
    # held by one of them and hang (it did on a full run). A bound on waiting, too, so
    # that a hang fails the test instead of stopping the suite.
    with multiprocessing.get_context("spawn").Pool(_PROCESSES) as pool:
        answers = pool.map_async(_ask, asks, chunksize=1).get(timeout=_WAIT_AT_MOST)

    assert answers == [f"qcity-shared-{name}" for _, name in asks]
    builds = (tmp_path / "builds.log").read_text().split()
    assert sorted(builds) == sorted(f"qcity-shared-n{i}" for i in range(_NAMES))


def test_a_failed_build_is_made_again_by_the_next_caller(tmp_path: Path) -> None:
    def fail(root: Path) -> None:
        (root / "half").write_text("left behind")
        raise RuntimeError("build failed")

    with pytest.raises(RuntimeError, match="build failed"):
        built_once(_Factory(tmp_path), "flaky", fail)  # type: ignore[arg-type]
    root = built_once(_Factory(tmp_path), "flaky", _record_build)  # type: ignore[arg-type]

    assert sorted(p.name for p in root.iterdir()) == ["built.ok", "made"]
