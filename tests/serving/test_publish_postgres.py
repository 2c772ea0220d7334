"""PostgreSQL publication: the marts, atomically, and a reader role that reads them alone.

Runs against the local server (QCITY_PG_*, default 127.0.0.1:5432) in a database and with
a role of this module's own, both dropped at the end. Unreachable PostgreSQL fails under
CI=true and skips otherwise.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path

import duckdb
import psycopg2
import pytest
from psycopg2 import errors

from tests.postgres import postgres_rows
from warehouse import publish_postgres
from warehouse.postgres_copy import PostgresSettings, copy_schemas
from warehouse.publish_postgres import (
    BI_READER_ROLE,
    PostgresPublishError,
    ensure_reader_role,
    publish_enabled,
    publish_marts,
)
from warehouse.serving import publish_serving

PASSWORD = "reader-secret-for-tests"


@pytest.fixture(scope="module")
def serving_file(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_serving(built, directory=tmp_path_factory.mktemp("serving")).path


@pytest.fixture(scope="module")
def published(
    built: Path, serving_file: Path, pg_settings: PostgresSettings, reader_role: str
) -> publish_postgres.PostgresPublication:
    """raw and audit copied as `qcity build --target postgres` does, then the marts published."""
    copy_schemas(built, pg_settings)
    return publish_marts(
        serving_file, pg_settings, role=reader_role, password=PASSWORD, comment="version A"
    )


def admin(settings: PostgresSettings):
    return settings.connect()


def as_reader(settings: PostgresSettings, role: str):
    return replace(settings, user=role, password=PASSWORD).connect()


def duck_rows(path: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(query).fetchall()


def test_every_mart_is_published_with_all_its_rows(published, serving_file, pg_settings):
    expected = dict(
        duck_rows(serving_file, "select table_name, row_count from serving.published_tables")
    )
    assert published.tables == expected
    for table, count in expected.items():
        assert postgres_rows(pg_settings, f'select count(*) from marts."{table}"') == [(count,)]


def test_scorecard_on_postgres_equals_the_serving_copy(published, serving_file, pg_settings):
    query = (
        "select indicator_code, county_code, period, actual_value, target_value, gap, status, "
        "sample_size, as_of from marts.mart_indicator_scorecard "
        "order by indicator_code, county_code, period"
    )
    assert postgres_rows(pg_settings, query) == duck_rows(serving_file, query)


def test_schema_comment_names_the_published_version(published, pg_settings):
    assert postgres_rows(pg_settings, "select obj_description('marts'::regnamespace)") == [
        ("version A",)
    ]


def test_every_mart_and_its_columns_carry_their_descriptions(published, serving_file, pg_settings):
    """dbt's descriptions, persisted as comments, reach BI tools on both copies."""
    serving = duck_rows(
        serving_file,
        "select t.table_name, coalesce(t.comment, '') <> '', count(*), "
        "count(nullif(c.comment, '')) from duckdb_tables() t "
        "join duckdb_columns() c using (database_name, schema_name, table_name) "
        "where t.schema_name = 'marts' group by all",
    )
    postgres = postgres_rows(
        pg_settings,
        "select c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') <> '', "
        "count(*), count(nullif(col_description(c.oid, a.attnum), '')) "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
        "where n.nspname = 'marts' and c.relkind = 'r' group by c.relname, c.oid",
    )
    assert sorted(serving) == sorted(postgres)
    for table, has_comment, columns, commented in postgres:
        assert has_comment, table
        assert commented >= 0.9 * columns, (table, commented, columns)


def test_progress_keeps_its_fixed_scale_on_postgres(published, pg_settings):
    types = dict(
        postgres_rows(
            pg_settings,
            "select column_name, format_type(atttypid, atttypmod) from pg_attribute a "
            "join information_schema.columns c on c.column_name = a.attname "
            "and c.table_schema = 'marts' and c.table_name = 'mart_indicator_progress' "
            "where a.attrelid = 'marts.mart_indicator_progress'::regclass",
        )
    )
    assert types["gap"] == types["actual_value"] == "numeric(18,4)"
    gaps = postgres_rows(
        pg_settings,
        "select count(*) from marts.mart_indicator_progress where gap <> round(gap, decimals)",
    )
    assert gaps == [(0,)]


def test_reader_reads_every_mart(published, pg_settings, reader_role):
    con = as_reader(pg_settings, reader_role)
    try:
        with con.cursor() as cur:
            for table in published.tables:
                cur.execute(f'select count(*) from marts."{table}"')
                assert cur.fetchone()[0] == published.tables[table]
    finally:
        con.close()


WRITES = [
    "insert into marts.dim_county (county_code, name_zh) values ('999999', '假县')",
    "update marts.mart_indicator_scorecard set actual_value = 100",
    "delete from marts.mart_pass_rates",
    "truncate marts.mart_failure_reasons",
    "drop table marts.dim_indicator",
    "alter table marts.dim_county add column x int",
    "create table marts.mine (x int)",
    "create table public.mine (x int)",
    "create schema mine",
]


@pytest.mark.parametrize("statement", WRITES)
def test_reader_cannot_write(published, pg_settings, reader_role, statement):
    con = as_reader(pg_settings, reader_role)
    try:
        with con.cursor() as cur:
            # Transactions are read-only by default for the role ...
            with pytest.raises(errors.ReadOnlySqlTransaction):
                cur.execute(statement)
            con.rollback()
            # ... and with that switched off, privileges still refuse.
            cur.execute("set default_transaction_read_only = off")
            con.commit()
            with pytest.raises(errors.InsufficientPrivilege):
                cur.execute(statement)
            con.rollback()
    finally:
        con.close()


@pytest.mark.parametrize(
    "table",
    ["raw.market_sampling", "raw.indicator_reports", "audit.file_manifest", "audit.quarantine"],
)
def test_reader_cannot_read_raw_or_audit(published, pg_settings, reader_role, table):
    assert postgres_rows(pg_settings, f"select to_regclass('{table}') is not null") == [(True,)]
    con = as_reader(pg_settings, reader_role)
    try:
        with con.cursor() as cur, pytest.raises(errors.InsufficientPrivilege):
            cur.execute(f"select count(*) from {table}")
    finally:
        con.close()


def test_reader_has_no_privilege_outside_marts(published, pg_settings, reader_role):
    """Checked in the catalogue: no schema but marts grants the role anything."""
    rows = postgres_rows(
        pg_settings,
        f"""
        select n.nspname,
               has_schema_privilege('{reader_role}', n.oid, 'USAGE'),
               has_schema_privilege('{reader_role}', n.oid, 'CREATE')
        from pg_namespace n
        where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
        order by 1
        """,
    )
    privileges = {name: (usage, create) for name, usage, create in rows}
    assert privileges["marts"] == (True, False)
    assert privileges["raw"] == (False, False)
    assert privileges["audit"] == (False, False)
    tables = postgres_rows(
        pg_settings,
        f"""
        select table_schema, table_name, privilege_type
        from information_schema.role_table_grants where grantee = '{reader_role}'
        """,
    )
    assert {(schema, privilege) for schema, _, privilege in tables} == {("marts", "SELECT")}


def test_tables_created_in_marts_later_are_readable(published, pg_settings, reader_role):
    """Default privileges: a dbt build on PostgreSQL adding a mart needs no new grant."""
    con = admin(pg_settings)
    try:
        with con.cursor() as cur:
            cur.execute("create table marts.later_mart as select 1 as x")
        con.commit()
        reader = as_reader(pg_settings, reader_role)
        try:
            with reader.cursor() as cur:
                cur.execute("select x from marts.later_mart")
                assert cur.fetchall() == [(1,)]
        finally:
            reader.close()
    finally:
        with con.cursor() as cur:
            cur.execute("drop table marts.later_mart")
        con.commit()
        con.close()


def test_role_without_a_password_cannot_log_in(pg_settings, reader_role):
    nologin = f"{reader_role}_nologin"
    try:
        assert ensure_reader_role(pg_settings, nologin, password=None) is False
        with pytest.raises(psycopg2.OperationalError, match="not permitted to log in"):
            psycopg2.connect(
                host=pg_settings.host,
                port=pg_settings.port,
                user=nologin,
                dbname=pg_settings.dbname,
            )
    finally:
        con = admin(pg_settings)
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'drop role if exists "{nologin}"')
        con.close()


def test_default_role_and_switch():
    assert BI_READER_ROLE == "bi_reader"
    assert publish_enabled({"QCITY_PG_PUBLISH": "1"})
    assert not publish_enabled({"QCITY_PG_PUBLISH": "0"})
    assert not publish_enabled({})


@pytest.fixture(scope="module")
def smaller_serving_file(serving_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Version B: the same marts with one county's samples gone (other counts, same tables)."""
    path = tmp_path_factory.mktemp("serving-b") / "b.duckdb"
    shutil.copy(serving_file, path)
    path.chmod(0o644)
    with duckdb.connect(str(path)) as con:
        con.execute("delete from marts.fct_market_samples where county_code = '360902'")
        con.execute("delete from marts.mart_pass_rates where county_code = '360902'")
    return path


PAIR = (
    "select (select count(*) from marts.fct_market_samples), "
    "(select count(*) from marts.mart_pass_rates)"
)


def test_a_publication_that_fails_leaves_the_previous_version(
    published, smaller_serving_file, pg_settings, reader_role, monkeypatch
):
    before = postgres_rows(pg_settings, PAIR)
    real = publish_postgres._export_tables

    def corrupt_last(duck, tmp):
        exported = real(duck, tmp)
        with exported[-1][2].open("a", encoding="utf-8") as fh:
            fh.write("not,a,row,of,this,table\n")
        return exported

    monkeypatch.setattr(publish_postgres, "_export_tables", corrupt_last)
    with pytest.raises(PostgresPublishError, match=r"publishing the marts to .* failed"):
        publish_marts(smaller_serving_file, pg_settings, role=reader_role, password=PASSWORD)
    assert postgres_rows(pg_settings, PAIR) == before
    assert postgres_rows(pg_settings, "select to_regnamespace('marts__publishing')") == [(None,)]


def test_readers_see_one_version_or_the_other_during_publications(
    published, serving_file, smaller_serving_file, pg_settings, reader_role
):
    pairs = {
        "A": duck_rows(serving_file, PAIR)[0],
        "B": duck_rows(smaller_serving_file, PAIR)[0],
    }
    assert pairs["A"] != pairs["B"]
    seen: set[tuple] = set()
    reads = [0]
    failures: list[str] = []
    stop = threading.Event()

    def read() -> None:
        con = as_reader(pg_settings, reader_role)
        con.autocommit = True
        try:
            with con.cursor() as cur:
                while not stop.is_set():
                    try:
                        cur.execute(PAIR)
                        seen.add(cur.fetchone())
                        reads[0] += 1
                    except psycopg2.Error as exc:
                        failures.append(str(exc))
        finally:
            con.close()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for source in [smaller_serving_file, serving_file] * 3:
            publish_marts(source, pg_settings, role=reader_role, password=PASSWORD)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert failures == []
    assert reads[0] > 10
    assert seen <= set(pairs.values())
    assert postgres_rows(pg_settings, PAIR) == [pairs["A"]]
