"""Shared fixtures: a fresh warehouse per test and writers for every export format."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from unittest import mock

import duckdb
import pytest
import xlsxwriter
import xlwt
from hypothesis import settings

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

from tests.shared import built_once
from warehouse.connection import connect
from warehouse.dbt_build import build_vars, run_dbt
from warehouse.load import Loader

#: dbt's unit tests depend on the project's code alone: the ~30 builds of the suite would run
#: the same twelve again each time (~4 s of CPU a build). Every dbt run here leaves them out,
#: except the shared builds that tests/dbt/test_unit_tests.py reads (`with_unit_tests`).
UNIT_TESTS_LEFT_OUT = {"DBT_EXCLUDE_RESOURCE_TYPES": "unit_test"}
os.environ.update(UNIT_TESTS_LEFT_OUT)

# Hypothesis's default 200 ms deadline per example is a timing assertion: on two cores
# shared with Airflow and dbt it fails property tests that are right, just late.
settings.register_profile("qcity", deadline=None)
settings.load_profile("qcity")

#: Loads in tests happen on a fixed day so "not in the future" rules are reproducible.
LOAD_DAY = datetime(2025, 11, 1, 9, 0, 0)


@contextmanager
def with_unit_tests() -> Iterator[None]:
    """dbt runs in this block run the unit tests as the product does (see UNIT_TESTS_LEFT_OUT)."""
    with mock.patch.dict(os.environ):
        for name in UNIT_TESTS_LEFT_OUT:
            os.environ.pop(name, None)
        yield


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], sheet: str = "Sheet1") -> Path:
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet(sheet)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, date_format)
            elif value is not None:
                ws.write(r, c, value)
    book.close()
    return path


def write_xls(path: Path, rows: list[list[object]]) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.save(str(path))
    return path


def _weight(item: pytest.Item) -> int:
    """2 for tests on the local services (the Airflow topology: minutes), 1 for slow, 0."""
    if item.get_closest_marker("services"):
        return 2
    return 1 if item.get_closest_marker("slow") else 0


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the run for `pytest -n <cores+1> --dist loadfile --no-loadscope-reorder` (`make test`).

    Under `--dist loadfile` each test module is one unit of work, handed to whichever worker
    is free in this order, so module fixtures are set up once, on one worker. Modules holding
    a `services` test start first, then those holding a `slow` test, then the rest, each in
    collection order: the long units never end up last on one worker while the other idles.
    Without xdist only the order of the modules changes.
    """
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    ordered = sorted(modules.values(), key=lambda tests: -max(map(_weight, tests)))
    items[:] = [item for tests in ordered for item in tests]


@pytest.fixture(scope="session", autouse=True)
def shared_dbt_parse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """dbt's parse of the project, made once per run and read by the run's ~30 builds.

    dbt keeps a parse (`partial_parse.msgpack`) in each build's target folder, and the
    suite's builds each have their own: every one parsed the whole project again, ~10 s of
    CPU. The first worker parses once, as `qcity build` would for a warehouse named
    `qcity.duckdb` (dbt runs in the warehouse's folder: warehouse.dbt_build), and every dbt
    run reads that parse (`DBT_PARTIAL_PARSE_FILE_PATH`). dbt checks it as it checks its
    own: a build with other vars, another warehouse name or changed project files parses
    again what differs, as a user's build would. Runs without a slow test skip it.
    """
    if not any(item.get_closest_marker("slow") for item in request.session.items):
        yield
        return
    parse = built_once(tmp_path_factory, "dbt-parse", _parse) / "partial_parse.msgpack"
    with pytest.MonkeyPatch.context() as patch:
        if parse.exists():  # else every build parses on its own, as before
            patch.setenv("DBT_PARTIAL_PARSE_FILE_PATH", str(parse))
        yield


def _parse(base: Path) -> None:
    """`dbt parse` as `qcity build` runs dbt, its parse left in `base`."""
    env = {"DBT_TARGET_PATH": str(base / "target"), "DBT_LOG_PATH": str(base / "logs")}
    arguments = ["parse", "--vars", json.dumps(build_vars(None, full_scan=False))]
    if run_dbt(arguments, base / "qcity.duckdb", env=env, capture=True).returncode == 0:
        os.replace(base / "target" / "partial_parse.msgpack", base / "partial_parse.msgpack")


@pytest.fixture(scope="session", autouse=True)
def session_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """What session fixtures write (Data Docs of their loads, reports) goes to the run's
    temporary folder, not to the repo's build/: they are set up before `build_dir` applies."""
    path = tmp_path_factory.mktemp("session-build")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QCITY_BUILD_DIR", str(path))
        yield path


@pytest.fixture(autouse=True)
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Reports, workbooks and Data Docs of a test go to its own folder, never the repo's."""
    path = tmp_path / "build"
    monkeypatch.setenv("QCITY_BUILD_DIR", str(path))
    return path


@pytest.fixture
def warehouse_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("QCITY_WAREHOUSE", str(path))
    return path


@pytest.fixture
def con(warehouse_file: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(warehouse_file)
    yield connection
    connection.close()


@pytest.fixture
def loader(con: duckdb.DuckDBPyConnection) -> Loader:
    return Loader(con, now=lambda: LOAD_DAY)


MARKET_HEADER = [
    "抽样编号",
    "抽检类型",
    "食品名称",
    "被抽样单位名称",
    "被抽样单位地址",
    "所属县区",
    "抽样日期",
    "检验结论",
    "不合格项目║检验结果║标准值",
]


def market_row(
    sample_id: str,
    verdict: str = "合格",
    items: str = "",
    county: str = "袁州区",
    date: str = "2025-03-05",
    kind: str = "食品",
    address: str = "",
) -> list[str]:
    return [sample_id, kind, "芹菜", "某某超市", address, county, date, verdict, items]


def good_market_rows(n: int, prefix: str = "G") -> list[list[str]]:
    return [market_row(f"{prefix}{i:04d}") for i in range(n)]
