"""Planted personal data reaches no mart, serving copy, PostgreSQL table or dashboard; a
NUL byte in a cell, removed while parsing, lets PostgreSQL take the rows.

Every free-text column of every source (ingestion.privacy.free_text_columns: the contracts'
string columns outside the natural key) and audit.quarantine's value get mobile numbers in
every spelling, ID numbers, labelled names and individual businesses, on top of the dbt
tests' first batch and the housing example (tests/dbt/housing.py). A market export with
NUL and other control characters in its cells is loaded beside them by the loader itself.
One build per engine (module-scoped, shared by both concerns: each build is most of this
module's time): DuckDB with its serving copy and dashboard, then PostgreSQL (`qcity build
--target postgres`), then `qcity publish --postgres` into a second database. Every relation
of every `marts` schema is scanned.

PostgreSQL refuses NUL in any text value ("invalid byte sequence for encoding UTF8: 0x00");
before the parser removed them, one such cell passed validation and then blocked `qcity
build --target postgres` and `qcity publish --postgres` until someone deleted rows by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ingestion.contracts import get_contract
from ingestion.privacy import all_free_text_columns
from qcity.cli import app
from tests.conftest import LOAD_DAY, MARKET_HEADER, good_market_rows, market_row, write_csv
from tests.dbt.conftest import dbt_paths, new_warehouse, qcity_build
from tests.dbt.dataset import FIRST_BATCH, Load, write_loads
from tests.dbt.housing import HOUSING_LOADS
from tests.postgres import drop_role, postgres_rows, reader_role_name, throwaway_database
from warehouse.load import Loader, LoadResult
from warehouse.postgres_copy import PostgresSettings, drop_database

#: (cell text, the personal data in it that must not come out)
PLANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("填报人:郑十,电话13600001234", ("郑十", "13600001234")),
    ("联系人：王小二 138-1234-5001", ("王小二", "138-1234-5001", "1234-5001")),
    ("联系人 钱多多 138 1234 5002", ("钱多多", "138 1234 5002", "1234 5002")),
    ("负责人：孙悟净 +86 13912345003", ("孙悟净", "13912345003")),
    ("经办人:周大福 +86-139-1234-5004", ("周大福", "139-1234-5004")),
    ("身份证36010219900101123X", ("36010219900101123X",)),
    ("身份证号360102198512125678，审核人：吴用", ("360102198512125678", "吴用")),
    ("张三丰（个体）", ("张三丰",)),
    ("李莫愁(个体工商户)", ("李莫愁",)),
    ("13700001111", ("13700001111",)),
)
#: a bare name in a column that names a party (sampled_unit, builder, ...)
BARE_NAME = ("赵小明", ("赵小明",))
FORBIDDEN: tuple[str, ...] = tuple(sorted({s for _, found in (*PLANTS, BARE_NAME) for s in found}))


def _planted_row(row: dict, columns: dict[str, bool], k: int) -> dict:
    planted = dict(row)
    for j, (column, names_party) in enumerate(columns.items()):
        text, _ = BARE_NAME if names_party and (k + j) % 2 else PLANTS[(k + j) % len(PLANTS)]
        planted[column] = text
    return planted


def _planted(load: Load) -> Load:
    if load.source is None or load.status != "loaded":
        return load
    tables = all_free_text_columns()
    rows = [_planted_row(r, tables[load.source], k) for k, r in enumerate(load.rows)]
    children = [t.name for t in get_contract(load.source).child_tables]
    items = [_planted_row(i, tables[children[0]], k) for k, i in enumerate(load.failed_items)]
    return replace(load, rows=rows, failed_items=items)


@dataclass
class Published:
    warehouse: Path
    serving: Path
    dashboard: Path
    built_on_postgres: PostgresSettings
    published_to_postgres: PostgresSettings
    with_nul_bytes: LoadResult


def _load_cells_with_nul_bytes(con: duckdb.DuckDBPyConnection, folder: Path) -> LoadResult:
    """A market export with NUL and other control characters in two loaded rows and in the
    date of one quarantined row, loaded by the loader like any file."""
    nul_product = market_row("N1")
    nul_product[2] = "芹\x00菜"
    nul_unit = market_row("N2")
    nul_unit[3] = "某某\x00超市\x01"
    bad_date = market_row("N3", date="2025-13-\x0001")  # quarantined: its value goes to audit too
    path = write_csv(
        folder / "抽检.csv", [MARKET_HEADER, nul_product, nul_unit, bad_date, *good_market_rows(20)]
    )
    return Loader(con, now=lambda: LOAD_DAY).ingest(path)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    base = tmp_path_factory.mktemp("privacy")
    warehouse = base / "qcity.duckdb"
    with new_warehouse(warehouse) as con:
        write_loads(con, [_planted(load) for load in (*FIRST_BATCH, *HOUSING_LOADS)])
        con.execute("update audit.quarantine set value = ?", [PLANTS[0][0]])
        assert con.execute(
            "select count(*) from raw.market_sampling where remarks is not null"
        ).fetchone()[0]
        with_nul_bytes = _load_cells_with_nul_bytes(con, base)
    build_db = next(throwaway_database("qcity_privacy_build"))
    publish_db = next(throwaway_database("qcity_privacy_publish"))
    role = reader_role_name("priv")
    env = {
        "QCITY_BUILD_DIR": str(base / "build"),
        "QCITY_SERVING_DIR": str(base / "serving"),
        "QCITY_BI_READER_ROLE": role,
    }
    try:
        with dbt_paths(base / "dbt"):
            qcity_build(warehouse, env=env)  # publishes the serving copy and the dashboard
            qcity_build(
                warehouse, "--target", "postgres", env={**env, "QCITY_PG_DBNAME": build_db.dbname}
            )
        result = CliRunner().invoke(
            app,
            ["publish", "--postgres", "--warehouse", str(warehouse), "--no-report"],
            env={**os.environ, **env, "QCITY_PG_DBNAME": publish_db.dbname},
        )
        assert result.exit_code == 0, result.output
        [serving] = (base / "serving").glob("*.duckdb")
        yield Published(
            warehouse,
            serving,
            base / "build" / "report" / "index.html",
            build_db,
            publish_db,
            with_nul_bytes,
        )
    finally:
        for settings in (build_db, publish_db):
            drop_database(settings)
        drop_role(build_db, role)


def _found(rows_by_relation: dict[str, list[tuple]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for relation, rows in rows_by_relation.items():
        text = "\n".join(repr(row) for row in rows)
        hits = [s for s in FORBIDDEN if s in text]
        if hits:
            found[relation] = hits
    return found


def _duckdb_marts(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        assert names, f"no marts in {path}"
        return {n: con.execute(f'select * from marts."{n}"').fetchall() for n in names}


def _postgres_marts(settings: PostgresSettings) -> dict[str, list[tuple]]:
    names = [
        r[0]
        for r in postgres_rows(
            settings,
            "select table_name from information_schema.tables where table_schema = 'marts'",
        )
    ]
    assert names, f"no marts in {settings.dbname}"
    return {n: postgres_rows(settings, f'select * from marts."{n}"') for n in names}


def test_the_raw_tables_keep_what_was_sent(published: Published) -> None:
    """The scan below means something: the planted values are in raw."""
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        raw = {
            table: con.execute(f'select * from raw."{table}"').fetchall()
            for table in all_free_text_columns()
        }
    assert set(FORBIDDEN) - {s for hits in _found(raw).values() for s in hits} == set()


def test_no_mart_of_the_warehouse_shows_personal_data(published: Published) -> None:
    marts = _duckdb_marts(published.warehouse)
    assert _found(marts) == {}
    # the planted cells did reach the marts, masked: the scan looked at them
    text = repr(marts)
    assert all(mark in text for mark in ("[手机号]", "[身份证号]", "***", "赵**"))


def test_no_table_of_the_serving_copy_shows_personal_data(published: Published) -> None:
    assert _found(_duckdb_marts(published.serving)) == {}


def test_no_postgres_mart_shows_personal_data(published: Published) -> None:
    assert _found(_postgres_marts(published.built_on_postgres)) == {}
    assert _found(_postgres_marts(published.published_to_postgres)) == {}


def test_the_dashboard_shows_no_personal_data(published: Published) -> None:
    html = published.dashboard.read_text(encoding="utf-8")
    assert [s for s in FORBIDDEN if s in html] == []


# -- control characters -------------------------------------------------------------------


def test_a_nul_byte_in_a_cell_reaches_postgres_without_it(published: Published) -> None:
    result = published.with_nul_bytes
    assert result.status == "loaded", result.error
    assert (result.rows_loaded, result.rows_quarantined) == (22, 1)
    assert result.control_chars_removed == 4
    with duckdb.connect(str(published.warehouse), read_only=True) as con:
        assert con.execute(
            "select product_name, sampled_unit from raw.market_sampling where sample_id in "
            "('N1', 'N2') order by sample_id"
        ).fetchall() == [("芹菜", "某某超市"), ("芹菜", "某某超市")]
        assert con.execute(
            "select control_chars_removed from audit.file_manifest where load_id = ?",
            [result.load_id],
        ).fetchall() == [(4,)]
        assert con.execute(
            "select count(*) from audit.quarantine where value like '%\x00%'"
        ).fetchall() == [(0,)]
    # both PostgreSQL databases took the rows: the build's and the publication's
    for settings in (published.built_on_postgres, published.published_to_postgres):
        assert postgres_rows(
            settings, "select product_name from marts.fct_market_samples where sample_id = 'N1'"
        ) == [("芹菜",)]
