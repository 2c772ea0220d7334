"""The serving copy: one read-only DuckDB file per version, swapped in by rename.

These tests use a small warehouse made by hand (a marts schema with two tables), so they
run in seconds; tests/serving/test_reader_during_build.py runs a real ingest and build.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pytest

from warehouse import serving
from warehouse.connection import connect
from warehouse.serving import (
    SERVING_FILE_NAME,
    ServingError,
    open_serving,
    publish_serving,
    read_publication,
)


def make_warehouse(path: Path, samples: int = 3) -> Path:
    """A warehouse whose marts hold `samples` samples and a HUGEINT sum, like dbt's."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists raw")
        con.execute("create or replace table raw.secret as select 1 as x")
        con.execute(
            "create or replace table marts.fct_samples as "
            "select 'S' || i as sample_id, i % 2 = 0 as is_passed from range(?) t(i)",
            [samples],
        )
        con.execute(
            "create or replace table marts.mart_rates as "
            "select 'all' as scope, sum(1) as tested_count, "
            "sum(case when is_passed then 1 else 0 end) as passed_count from marts.fct_samples"
        )
        assert con.execute(
            "select data_type from duckdb_columns() where table_name = 'mart_rates' "
            "and column_name = 'passed_count'"
        ).fetchone() == ("HUGEINT",)
    return path


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "wh.duckdb")


@pytest.fixture
def serving_dir(tmp_path: Path) -> Path:
    return tmp_path / "serving"


def counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'"
        ).fetchall()
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for (t,) in tables}


def test_every_marts_table_is_published_with_its_row_count(warehouse_path, serving_dir):
    published = publish_serving(warehouse_path, directory=serving_dir)
    assert published.path == serving_dir / SERVING_FILE_NAME
    assert published.tables == {"fct_samples": 3, "mart_rates": 1}
    assert counts(published.path) == published.tables
    with open_serving(published.path) as con:
        recorded = dict(
            con.execute("select table_name, row_count from serving.published_tables").fetchall()
        )
        assert recorded == published.tables
        assert read_publication(con)["version"] == published.version


def test_table_and_column_comments_are_published(warehouse_path, serving_dir):
    with duckdb.connect(str(warehouse_path)) as con:
        con.execute("comment on table marts.fct_samples is 'One row per sample; it''s the grain'")
        con.execute("comment on column marts.fct_samples.is_passed is '合格 = true'")
    published = publish_serving(warehouse_path, directory=serving_dir)
    with open_serving(published.path) as con:
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'fct_samples'"
        ).fetchone() == ("One row per sample; it's the grain",)
        columns = con.execute(
            "select column_name, comment from duckdb_columns() where table_name = 'fct_samples'"
        ).fetchall()
    assert dict(columns) == {"sample_id": None, "is_passed": "合格 = true"}


def test_only_the_marts_schema_is_published(warehouse_path, serving_dir):
    published = publish_serving(warehouse_path, directory=serving_dir)
    with open_serving(published.path) as con:
        schemas = {
            r[0]
            for r in con.execute(
                "select schema_name from duckdb_tables() where database_name = current_database()"
            ).fetchall()
        }
    assert schemas == {"marts", "serving"}


def test_hugeint_sums_are_published_as_bigint(warehouse_path, serving_dir):
    published = publish_serving(warehouse_path, directory=serving_dir)
    with open_serving(published.path) as con:
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where table_name = 'mart_rates' and schema_name = 'marts'"
            ).fetchall()
        )
    assert types["passed_count"] == "BIGINT"
    assert types["tested_count"] == "BIGINT"


def test_serving_file_uses_a_storage_format_older_duckdb_drivers_read(warehouse_path, serving_dir):
    published = publish_serving(warehouse_path, directory=serving_dir)
    with open_serving(published.path) as con:
        (tags,) = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchone()
    assert tags["storage_version"].startswith("v1.0")


def test_each_publication_has_the_next_sequence_number(warehouse_path, serving_dir):
    first = publish_serving(warehouse_path, directory=serving_dir)
    second = publish_serving(warehouse_path, directory=serving_dir)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.version != second.version


def test_serving_file_is_read_only_and_alone(warehouse_path, serving_dir):
    published = publish_serving(warehouse_path, directory=serving_dir)
    mode = stat.S_IMODE(published.path.stat().st_mode)
    assert mode == 0o444
    # No WAL, no temporary file left: readers find one complete file.
    assert sorted(p.name for p in serving_dir.iterdir()) == [".publish.lock", SERVING_FILE_NAME]


def test_publishing_with_the_callers_connection_leaves_it_as_it_was(warehouse_path, serving_dir):
    """The warehouse DAG's publish task passes the connection it holds."""
    con = connect(warehouse_path)
    try:
        published = publish_serving(con=con, directory=serving_dir)
        assert published.tables == {"fct_samples": 3, "mart_rates": 1}
        with open_serving(published.path) as reader:
            assert read_publication(reader)["source_warehouse"] == str(warehouse_path)
        attached = {
            r[0] for r in con.execute("select database_name from duckdb_databases()").fetchall()
        }
        assert not any(name.startswith("qcity_serving") for name in attached)
        con.execute("insert into marts.fct_samples values ('S9', true)")
    finally:
        con.close()


def test_a_warehouse_without_marts_is_refused_and_the_previous_version_stays(
    warehouse_path, serving_dir, tmp_path
):
    previous = publish_serving(warehouse_path, directory=serving_dir)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ServingError, match="no marts; run `qcity build` first"):
        publish_serving(empty, directory=serving_dir)
    with open_serving(previous.path) as con:
        assert read_publication(con)["version"] == previous.version
    assert not list(serving_dir.glob(".publishing-*"))


def test_a_copy_that_fails_half_way_changes_nothing(
    warehouse_path, serving_dir, monkeypatch: pytest.MonkeyPatch
):
    previous = publish_serving(warehouse_path, directory=serving_dir)
    real = serving._select_list

    def failing(con, table):
        if table == "mart_rates":
            raise duckdb.IOException("disk full")
        return real(con, table)

    monkeypatch.setattr(serving, "_select_list", failing)
    with pytest.raises(ServingError, match="disk full"):
        publish_serving(warehouse_path, directory=serving_dir)
    with open_serving(previous.path) as con:
        assert read_publication(con)["sequence"] == previous.sequence
    assert sorted(p.name for p in serving_dir.iterdir()) == [".publish.lock", SERVING_FILE_NAME]


def test_no_warehouse_is_one_sentence(tmp_path, serving_dir):
    with pytest.raises(ServingError, match=r"no warehouse at .*; run `qcity build` first"):
        publish_serving(tmp_path / "missing.duckdb", directory=serving_dir)


def test_a_missing_serving_copy_says_how_to_make_one(tmp_path):
    with pytest.raises(ServingError, match="run `qcity publish`"):
        open_serving(tmp_path / "nothing" / SERVING_FILE_NAME)


_READER = textwrap.dedent(
    """
    import duckdb, json, sys
    con = duckdb.connect(sys.argv[1], read_only=True)
    def state():
        seq = con.execute("select sequence from serving.publication").fetchone()[0]
        n = con.execute("select count(*) from marts.fct_samples").fetchone()[0]
        return [seq, n]
    print(json.dumps(state()), flush=True)
    sys.stdin.readline()          # hold the file open until told to go on
    print(json.dumps(state()), flush=True)
    """
)


def test_an_open_reader_keeps_its_version_and_does_not_block_publishing(
    warehouse_path, serving_dir, tmp_path
):
    first = publish_serving(warehouse_path, directory=serving_dir)
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, str(first.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert json.loads(reader.stdout.readline()) == [1, 3]
        # The warehouse changes and a new version is published while the reader holds v1.
        make_warehouse(warehouse_path, samples=7)
        second = publish_serving(warehouse_path, directory=serving_dir, wait_seconds=0)
        assert second.tables["fct_samples"] == 7
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert json.loads(reader.stdout.readline()) == [1, 3]
    finally:
        reader.communicate(timeout=30)
    assert reader.returncode == 0
    # A reader arriving now sees the new version.
    fresh = subprocess.run(
        [sys.executable, "-c", _READER, str(second.path)],
        input="\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(fresh.stdout.splitlines()[0]) == [2, 7]


def test_concurrent_publications_take_turns(warehouse_path, serving_dir):
    results, errors = [], []

    def publish():
        try:
            results.append(publish_serving(warehouse_path, directory=serving_dir).sequence)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == [1, 2, 3]
    with open_serving(serving_dir / SERVING_FILE_NAME) as con:
        assert read_publication(con)["sequence"] == 3
