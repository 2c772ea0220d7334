"""Temporary files of killed runs go at the next start: only ours, only old, never live ones."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from qcity.leftovers import STALE_AFTER_SECONDS, remove_stale
from reports.dashboard import TMP_PREFIX
from warehouse.stream import SpilledTables

TWO_HOURS_AGO = time.time() - 2 * STALE_AFTER_SECONDS


def _age(path: Path) -> Path:
    """Set path (and anything under it) two hours back, as a killed run left it."""
    for inner in [*path.rglob("*"), path] if path.is_dir() else [path]:
        os.utime(inner, (TWO_HOURS_AGO, TWO_HOURS_AGO))
    return path


def _leftover_folder(parent: Path, name: str) -> Path:
    folder = parent / name
    folder.mkdir()
    (folder / "quarantine.parquet").write_bytes(b"x" * 1000)
    return folder


@pytest.fixture
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp folder qcity uses (tempfile.gettempdir()), private to the test."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_a_new_load_removes_only_our_old_leftovers(temp_dir: Path) -> None:
    old = _age(_leftover_folder(temp_dir, "qcity-load-killed"))
    old_utf8 = _age(_leftover_folder(temp_dir, "qcity-x1y2z3"))
    fresh = _leftover_folder(temp_dir, "qcity-load-fresh")
    still_writing = _leftover_folder(temp_dir, "qcity-load-writing")
    _age(still_writing)
    (still_writing / "children.parquet").write_bytes(b"y")  # written a moment ago
    not_ours = _age(_leftover_folder(temp_dir, "other-tool-old"))
    target = _age(_leftover_folder(temp_dir, "elsewhere"))
    link = temp_dir / "qcity-load-link"
    link.symlink_to(target)
    _age(link)

    with SpilledTables() as spilled:  # what every load starts with
        assert spilled.folder.name.startswith("qcity-load-")
        assert not old.exists() and not old_utf8.exists()
        assert fresh.exists() and still_writing.exists() and not_ours.exists()
        assert link.is_symlink() and (target / "quarantine.parquet").exists()
    assert not spilled.folder.exists()


def test_a_live_load_is_never_taken_however_old(temp_dir: Path) -> None:
    with SpilledTables() as live:
        _age(live.folder)  # a load with nothing to spill for two hours
        with SpilledTables() as second:
            assert live.folder.exists()
        assert not second.folder.exists()
    assert not live.folder.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_another_users_leftover_is_left_alone(temp_dir: Path) -> None:
    theirs = _age(_leftover_folder(temp_dir, "qcity-load-theirs"))
    os.chown(theirs, 4242, 4242)
    assert remove_stale(temp_dir, "qcity-") == []
    assert theirs.exists()


def test_the_dashboards_temporary_file_goes_when_old(tmp_path: Path) -> None:
    old = tmp_path / f"{TMP_PREFIX}killed.html"
    old.write_bytes(b"x" * 5_000_000)
    fresh = tmp_path / f"{TMP_PREFIX}writing.html"
    fresh.write_bytes(b"<html>")
    index = tmp_path / "index.html"
    index.write_text("published")
    _age(old)
    _age(index)
    assert remove_stale(tmp_path, TMP_PREFIX) == [old]
    assert fresh.exists() and index.exists()
