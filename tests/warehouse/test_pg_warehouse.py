"""PostgreSQL as the warehouse: the same loads as DuckDB's, side by side, and crash-safe.

Real servers only: the local PostgreSQL (a throw-away database per module) and a DuckDB
file. The exports are the sample generator's (a few hundred rows per source).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingestion.contracts import all_contracts
from sample_data import generate_exports
from tests.conftest import LOAD_DAY
from tests.postgres import postgres_rows, throwaway_database
from tests.qcity_cli import COMMAND
from warehouse.audit import AUDIT_TABLES
from warehouse.connection import connect
from warehouse.load import Loader
from warehouse.pg_load import PgConnection
from warehouse.pg_load import connect as connect_postgres
from warehouse.postgres_copy import PostgresSettings, ensure_database

#: columns that name a load or a moment, not what was loaded
_IGNORED = {
    "_load_id",
    "_loaded_at",
    "load_id",
    "received_at",
    "finished_at",
    "quarantined_at",
    "run_id",
    "started_at",
    "data_docs_page",
    "created_at",
    "next_attempt_at",
}
_JSON = {"skipped", "problems", "original_row", "header_row", "file_name_values"}
_JSON |= {"failed_rules", "payload"}
#: audit tables a load writes (the ledger and freshness are Airflow's and the DAG's)
_LOAD_AUDIT = ("file_manifest", "quarantine", "load_header", "validation_runs", "alert_outbox")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exports")
    generate_exports(root, rows=500, seed=11)
    return root


@pytest.fixture
def pg() -> Iterator[PostgresSettings]:
    """A database of the test's own, made empty (`connect_postgres` creates the schema)."""
    for settings in throwaway_database("qcity_pgwh_test"):
        ensure_database(settings)
        yield settings


def _url(settings: PostgresSettings) -> str:
    return f"postgresql://{settings.user}@{settings.host}:{settings.port}/{settings.dbname}"


def _export_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "manifest.json")


def _sample_of(root: Path) -> list[Path]:
    """Every source's first file, a file sent twice, rejected files and one with rows in
    quarantine: the outcomes a load has, in few files (the whole set takes minutes)."""
    market = root / "market_sampling"
    chosen = [
        market / "药品化妆品医疗器械抽检结果（第2批）.xlsx",
        market / "药品化妆品医疗器械抽检结果（第2批）(1).xlsx",
        market / "宜春市2025年第6期食品安全监督抽检信息.csv",
        market / "监督抽检数据导出（系统）.csv",
        market / "市场监管抽检结果_县区汇总.csv",
    ]
    others = ["agri_testing", "construction_acceptance", "indicator_reports", "_unsorted"]
    return chosen + [_export_files(root / folder)[0] for folder in others]


def _normal(name: str, value: Any) -> Any:
    if name in _JSON and isinstance(value, str):
        value = json.loads(value)
        if name == "payload" and isinstance(value, dict):
            value.pop("load_id", None)
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def _rows(con: Any, table: str) -> Counter:
    """The table's rows without load ids and times, as a multiset."""
    schema, name = table.split(".")
    columns = [
        c
        for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? "
            "and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        if c not in _IGNORED
    ]
    quoted = ", ".join(f'"{c}"' for c in columns)
    found = con.execute(f'select {quoted} from {schema}."{name}"').fetchall()
    return Counter(tuple(_normal(c, v) for c, v in zip(columns, row, strict=True)) for row in found)


def test_the_same_exports_give_the_same_raw_and_audit_rows_in_both_engines(
    exports: Path, pg: PostgresSettings, tmp_path: Path
) -> None:
    files = _sample_of(exports)
    duck = connect(tmp_path / "wh.duckdb")
    postgres = connect_postgres(_url(pg))
    try:
        for con in (duck, postgres):
            loader = Loader(con, now=lambda: LOAD_DAY)
            for path in files:
                loader.ingest_sheets(path)
        raw = [
            f"raw.{t}"
            for (t,) in duck.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        ]
        assert len(raw) >= 4
        loaded = 0
        for table in [*raw, *(f"audit.{t}" for t in _LOAD_AUDIT)]:
            expected = _rows(duck, table)
            assert _rows(postgres, table) == expected, table
            loaded += sum(expected.values()) if table.startswith("raw.") else 0
        assert loaded > 100
        statuses = Counter(
            s for (s,) in duck.execute("select status from audit.file_manifest").fetchall()
        )
        assert statuses["loaded"] and statuses["rejected"] and statuses["duplicate"]
        assert {t.name for t in AUDIT_TABLES} >= {f"audit.{t}" for t in _LOAD_AUDIT}
    finally:
        duck.close()
        postgres.close()


def _ingest(url: str, build: Path, files: list[Path]) -> subprocess.Popen[str]:
    env = {**os.environ, "QCITY_WAREHOUSE": url, "QCITY_BUILD_DIR": str(build)}
    return subprocess.Popen(
        [*COMMAND, "ingest", "--json", *map(str, files)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_four_concurrent_ingests_load_every_row_once_and_shared_bytes_once(
    exports: Path, pg: PostgresSettings, tmp_path: Path
) -> None:
    """Four `qcity ingest` processes, one per source folder; two of them are also handed
    the same file, which must load once (the other records a duplicate)."""
    own, url = pg, _url(pg)
    shared = exports / "market_sampling" / "市场监管抽检结果_县区汇总.csv"
    folders = ["market_sampling", "agri_testing", "construction_acceptance", "indicator_reports"]
    # two files a process keeps the test quick; the processes still overlap for seconds
    batches = [
        [f for f in _export_files(exports / folder) if f != shared][:2] for folder in folders
    ]
    batches[1].append(shared)  # the same bytes also reach a second process
    batches[0].insert(0, shared)
    procs = [_ingest(url, tmp_path / f"build{i}", files) for i, files in enumerate(batches)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode in (0, 1), err  # 1: some sample files are meant to be rejected
        assert "Traceback" not in err, err
    results = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    assert len({r["file"] for r in results}) == sum(map(len, batches)) - 1
    shared_results = sorted(r["status"] for r in results if r["file"] == shared.name)
    assert shared_results == ["duplicate", "loaded"]
    # every row once: each load's rows are in raw exactly as many times as it loaded
    in_raw_by_load: Counter = Counter()
    for contract in all_contracts():
        for load_id, count in postgres_rows(
            own, f'select _load_id, count(*) from raw."{contract.name}" group by 1'
        ):
            in_raw_by_load[load_id] += count
    manifest = postgres_rows(
        own, "select load_id, rows_loaded from audit.file_manifest where status = 'loaded'"
    )
    assert manifest and in_raw_by_load == {load_id: rows for load_id, rows in manifest if rows}
    (loaded_shared,) = postgres_rows(
        own,
        f"select count(*) from audit.file_manifest where file_name = '{shared.name}' "
        "and status = 'loaded'",
    )[0]
    assert loaded_shared == 1
    (in_raw,) = postgres_rows(
        own,
        "select count(*) from raw.market_sampling where _file_sha256 = "
        f"(select file_sha256 from audit.file_manifest where file_name = '{shared.name}' limit 1)",
    )[0]
    loaded = next(r for r in results if r["file"] == shared.name and r["status"] == "loaded")
    assert in_raw == loaded["rows_loaded"] > 0


_STALL = """
import sys, time
from pathlib import Path
from warehouse import pg_load
from warehouse.load import Loader

copy = pg_load.PgConnection.copy_arrow

def copy_then_stall(self, table, data):
    copy(self, table, data)
    if table.startswith("raw."):
        print("copied", flush=True)
        time.sleep(600)

pg_load.PgConnection.copy_arrow = copy_then_stall
Loader(pg_load.connect(sys.argv[1])).ingest(Path(sys.argv[2]))
"""


def test_a_loader_killed_mid_file_leaves_nothing_and_a_rerun_loads_the_file_once(
    exports: Path, pg: PostgresSettings, tmp_path: Path
) -> None:
    own, url = pg, _url(pg)
    path = exports / "market_sampling" / "宜春市市场监督管理局2025年监督抽检信息汇总.csv"
    env = {**os.environ, "QCITY_BUILD_DIR": str(tmp_path / "build")}
    proc = subprocess.Popen(
        [sys.executable, "-c", _STALL, url, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "copied", proc.stderr.read() if proc.stderr else ""
        # the rows are in PostgreSQL, uncommitted, when the loader dies
        in_tx = postgres_rows(
            own,
            "select count(*) from pg_stat_activity where datname = current_database() "
            "and state = 'idle in transaction'",
        )
        assert in_tx[0][0] == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10  # the server notices the closed socket at once
    while postgres_rows(own, "select count(*) from pg_locks where locktype = 'advisory'")[0][0]:
        assert time.monotonic() < deadline, "the dead loader's file lock outlived it"
        time.sleep(0.1)
    assert postgres_rows(own, "select count(*) from raw.market_sampling") == [(0,)]
    assert postgres_rows(own, "select count(*) from audit.file_manifest") == [(0,)]
    assert postgres_rows(own, "select count(*) from audit.quarantine") == [(0,)]

    con: PgConnection = connect_postgres(url)
    try:
        first = Loader(con, now=lambda: LOAD_DAY).ingest(path)
        again = Loader(con, now=lambda: LOAD_DAY).ingest(path)
    finally:
        con.close()
    assert first.status == "loaded" and first.rows_loaded > 0
    assert again.status == "duplicate"
    assert postgres_rows(own, "select count(*) from raw.market_sampling") == [(first.rows_loaded,)]
    assert first.rows_read == first.rows_loaded + first.rows_quarantined
