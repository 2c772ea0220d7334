"""Hostile files (issue 8): each is rejected or handled with a clear message, within bounded
time and memory, and nothing outside the given folders is read or written."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from sample_data.hostile import write_hostile_files

MEMORY_CAP_BYTES = 4 << 30
TIME_CAP_SECONDS = 300


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))


@pytest.mark.slow
def test_hostile_files_are_rejected_or_handled(tmp_path: Path) -> None:
    exports = tmp_path / "landing"
    files = write_hostile_files(exports, bomb_mb=300)
    outside = tmp_path / "outside.csv"
    outside.write_text("抽样编号,食品名称\nX,Y\n", encoding="utf-8")
    (exports / "link_outside.csv").symlink_to(outside)
    before = sorted(p.name for p in exports.iterdir())

    env = {
        **os.environ,
        "QCITY_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "TMPDIR": str(tmp_path / "tmp"),
    }
    (tmp_path / "tmp").mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "qcity.cli", "ingest", "--json", str(exports)],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIME_CAP_SECONDS,
        preexec_fn=_cap_memory,
    )
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    results = {line["file"]: line for line in map(json.loads, done.stdout.splitlines())}
    assert "link_outside.csv" not in results  # a symlink is never followed
    for hostile in files:
        line = results[hostile.path.name]
        assert line["status"] == hostile.expected_status, (hostile.kind, line)
        if hostile.expected_status == "rejected":
            assert hostile.path.name in line["error"] and "\n" not in line["error"]
    assert sorted(p.name for p in exports.iterdir()) == before  # nothing written beside them
    assert list((tmp_path / "tmp").iterdir()) == []  # temporary files cleaned up
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file()}
    assert written <= {"landing", "outside.csv", "w.duckdb", "build", "tmp"}


def test_rules_of_rejections(tmp_path: Path) -> None:
    """The rule each rejected hostile file is rejected under."""
    import duckdb

    from warehouse.connection import connect
    from warehouse.load import Loader

    files = write_hostile_files(tmp_path / "f", bomb_mb=300, empty_rows=1000, line_mb=3)
    con: duckdb.DuckDBPyConnection = connect(tmp_path / "w.duckdb")
    for hostile in files:
        if hostile.kind == "giant_line":
            continue  # at 3 MB the line is merely long; the 50 MB case runs above
        result = Loader(con).ingest(hostile.path)
        assert (result.status, result.reject_rule) == (
            hostile.expected_status,
            hostile.expected_rule,
        ), hostile.kind
