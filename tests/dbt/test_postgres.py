"""The same project on PostgreSQL: same data, same marts, row for row.

Needs the local PostgreSQL (127.0.0.1:5432, trust auth). When it is unreachable the tests
skip, except with CI=true, where they fail.
"""

from __future__ import annotations

import csv
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from tests.dbt.conftest import (
    Built,
    BuiltPair,
    declared_unit_tests,
    parse_of,
    query,
    unit_test_results,
)
from tests.postgres import postgres_rows
from tests.qcity_cli import COMMAND
from warehouse.connection import BUSY_EXIT_CODE, busy_sentence
from warehouse.dbt_build import BUILD_LOCK
from warehouse.pg_load import PgConnection
from warehouse.postgres_copy import PostgresSettings

pytestmark = [pytest.mark.slow, pytest.mark.services]

COMPARED = (
    "mart_indicator_scorecard",
    "mart_indicator_progress",
    "mart_indicator_series",
    "mart_indicator_measurements",
    "mart_pass_rates",
    "mart_failure_reasons",
    "fct_market_samples",
    "fct_market_failed_items",
    "fct_agri_samples",
    "fct_construction_projects",
    "dim_indicator",
    "dim_county",
    "dim_goal_2035",
    "bridge_indicator_department",
)


#: columns naming a load or the moment of one: the PostgreSQL warehouse numbers its loads
#: and stamps them itself, so only what was loaded is compared
LOAD_COLUMNS = {"load_id", "latest_load_id", "loaded_at", "last_loaded_at", "last_received_at"}


@dataclass
class Compared:
    """A DuckDB warehouse and the PostgreSQL database holding the same marts."""

    duckdb: Path
    postgres: PostgresSettings
    ignored: frozenset[str]
    tables: tuple[str, ...]
    #: the share of the tables that must have rows
    filled: float


@pytest.fixture(params=["copied", "warehouse"])
def compared(request: pytest.FixtureRequest) -> Compared:
    """`copied`: the hand-made history built in DuckDB, then copied to PostgreSQL and built
    there (every column compared). `warehouse`: sample exports loaded into a DuckDB file
    and into a PostgreSQL warehouse, each built where it lies (every marts table compared,
    load ids and load times left out)."""
    if request.param == "copied":
        request.getfixturevalue("postgres_built")
        return Compared(
            request.getfixturevalue("duckdb_built").warehouse,
            request.getfixturevalue("postgres_settings"),
            frozenset(),
            COMPARED,
            1.0,
        )
    pair: BuiltPair = request.getfixturevalue("pg_warehouse_built")
    tables = [
        t
        for (t,) in query(
            pair.duckdb,
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1",
        )
    ]
    return Compared(pair.duckdb, pair.postgres, frozenset(LOAD_COLUMNS), tuple(tables), 0.6)


def columns(warehouse: Path, table: str) -> list[str]:
    return [
        r[0]
        for r in query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [table],
        )
    ]


def test_marts_are_equal_row_for_row(compared: Compared) -> None:
    # Lineage timestamps are compared too, unless ignored; the column order is DuckDB's.
    filled = 0
    for table in compared.tables:
        names = [n for n in columns(compared.duckdb, table) if n not in compared.ignored]
        select = ", ".join(f'"{n}"' for n in names)
        order = ", ".join(str(i) for i in range(1, len(names) + 1))
        sql = f"select {select} from marts.{table} order by {order}"
        duck = query(compared.duckdb, sql)
        assert postgres_rows(compared.postgres, sql) == duck, table
        filled += bool(duck)
    # the hand-made history fills every table compared; a few sample exports most of them
    assert filled >= compared.filled * len(compared.tables) >= 10


def test_scorecard_has_the_same_rows_on_both(
    duckdb_built: Built, postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    sql = (
        "select indicator_code, county_code, period, actual_value, target_value, unit, gap, "
        "status, source, sample_size, as_of from marts.mart_indicator_scorecard "
        "order by indicator_code, county_code, period"
    )
    assert postgres_rows(postgres_settings, sql) == query(duckdb_built.warehouse, sql)


def test_every_unit_test_passes_in_a_postgres_build(postgres_built: Built) -> None:
    """The unit tests' PostgreSQL run (tests/dbt/test_unit_tests.py has DuckDB's): here, as
    this module alone reads `postgres_built`, built once per worker that asks for it."""
    assert unit_test_results(postgres_built) == dict.fromkeys(declared_unit_tests(), "pass")


def test_models_land_in_the_named_schemas(
    postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    schemas = postgres_rows(
        postgres_settings,
        "select table_schema, count(*) from information_schema.tables "
        "where table_schema in ('staging', 'intermediate', 'marts', 'reference', 'raw', 'audit') "
        "group by 1 order by 1",
    )
    assert [s for s, _ in schemas] == [
        "audit",
        "intermediate",
        "marts",
        "raw",
        "reference",
        "staging",
    ]


def test_second_copy_appended_only_the_new_loads(
    postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    rows = postgres_rows(
        postgres_settings,
        'select "_load_id", count(*) from raw.market_sampling group by 1 order by 1',
    )
    assert rows == [(1, 10), (5, 3)]


def test_marts_carry_their_descriptions_as_comments(
    postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    rows = postgres_rows(
        postgres_settings,
        "select c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') <> '', "
        "count(*), count(nullif(col_description(c.oid, a.attnum), '')) "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
        "where n.nspname = 'marts' and c.relkind = 'r' group by c.relname, c.oid",
    )
    assert rows
    for table, has_comment, columns, commented in rows:
        assert has_comment, table
        assert commented >= 0.9 * columns, (table, commented, columns)


# -- PostgreSQL as the warehouse: what follows the build, and builds side by side --------


def test_the_reader_role_selects_the_marts_and_nothing_else(pg_warehouse_built: BuiltPair) -> None:
    """`qcity build` on a PostgreSQL warehouse serves the marts schema itself: the reader
    role may select it, and neither the raw rows (names, phone numbers) nor the audit."""
    con = pg_warehouse_built.postgres.connect()
    try:
        with con.cursor() as cur:
            cur.execute(f'set role "{pg_warehouse_built.reader_role}"')
            cur.execute("select count(*) from marts.mart_indicator_scorecard")
            assert cur.fetchone()[0] > 0
            for table in ("raw.market_sampling", "audit.file_manifest"):
                cur.execute("savepoint probe")
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(f"select count(*) from {table}")
                cur.execute("rollback to savepoint probe")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("create table marts.mine (x int)")
    finally:
        con.close()


def test_the_scorecard_csv_and_the_dashboard_come_from_the_postgres_marts(
    pg_warehouse_built: BuiltPair,
) -> None:
    build = pg_warehouse_built.build_dir
    with (build / "scorecard" / "scorecard.csv").open(encoding="utf-8-sig") as fh:
        written = list(csv.reader(fh))[1:]
    [(in_marts,)] = postgres_rows(
        pg_warehouse_built.postgres, "select count(*) from marts.mart_indicator_scorecard"
    )
    assert len(written) == in_marts > 0
    page = (build / "report" / "index.html").read_text(encoding="utf-8")
    assert pg_warehouse_built.postgres.dbname in page
    [(headline,)] = postgres_rows(
        pg_warehouse_built.postgres,
        "select count(*) from marts.mart_indicator_progress p join marts.dim_county c "
        "using (county_code) where c.is_whole_city",
    )
    assert page.count('data-indicator="') >= headline > 0


def test_a_second_build_waits_for_the_first_or_is_refused(
    pg_warehouse_built: BuiltPair, tmp_path: Path
) -> None:
    """A build holds the build lock for its run: with the lock held (here by the test,
    standing in for a long build), `qcity build` exits 3 with one sentence naming the
    holder, and with --wait it starts once the lock is released."""
    holder = PgConnection(psycopg2.connect(pg_warehouse_built.url))
    env = {
        **os.environ,
        "QCITY_WAREHOUSE": pg_warehouse_built.url,
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
        **parse_of(pg_warehouse_built.target_path),  # the same database: its parse holds
    }
    command = [*COMMAND, "build", "--select", "dim_county"]
    try:
        with holder.advisory_lock(BUILD_LOCK):
            refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            assert refused.returncode == BUSY_EXIT_CODE, refused.stderr
            assert refused.stderr.strip().splitlines() == [
                busy_sentence(holder.where, holder.raw.get_backend_pid(), 0)
            ]
            waiting = subprocess.Popen(
                [*command, "--wait", "120"], env=env, stdout=subprocess.PIPE, text=True
            )
            time.sleep(3)
            assert waiting.poll() is None, "the second build did not wait"
        out, _ = waiting.communicate(timeout=300)
        assert waiting.returncode == 0, out
        assert "Built on postgres" in out
    finally:
        holder.close()
