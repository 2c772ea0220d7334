"""The warehouse and its write-ahead log are readable by their owner only (mode 0600)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]

# In a process of its own with the usual umask 022: the umask is what DuckDB's modes follow.
WRITER = """
import os, stat, sys
from pathlib import Path
os.umask(0o022)
from warehouse.connection import connect
path = Path(sys.argv[1])
wal = path.with_name(path.name + ".wal")
mode = lambda p: oct(stat.S_IMODE(p.stat().st_mode))
con = connect(path)
con.execute("create table t as select 1 as a")
print(mode(path), mode(wal))
con.execute("checkpoint")  # the log is removed here ...
con.execute("insert into t values (2)")  # ... and made again by the next write
print(mode(path), mode(wal))
"""


def _write(warehouse: Path) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(warehouse)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_new_warehouse_and_every_wal_are_owner_only(tmp_path: Path) -> None:
    assert _write(tmp_path / "new.duckdb") == ["0o600"] * 4


def test_a_world_readable_warehouse_is_tightened_when_opened(tmp_path: Path) -> None:
    warehouse = tmp_path / "old.duckdb"
    duckdb.connect(str(warehouse)).close()
    warehouse.chmod(0o644)  # as warehouses were made before
    assert _write(warehouse) == ["0o600"] * 4
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
