"""refresh_all (what the warehouse DAG calls after a build) and `qcity publish`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from typer.testing import CliRunner

from qcity.cli import app
from qcity.publish import PublishReport, publisher, refresh_all
from tests.serving.built import copy_of
from warehouse.connection import connect
from warehouse.postgres_copy import PostgresSettings
from warehouse.serving import SERVING_FILE_NAME


@pytest.fixture
def env(built: Path, tmp_path: Path):
    values = {
        "QCITY_WAREHOUSE": str(copy_of(built, tmp_path / "qcity.duckdb")),
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "QCITY_SERVING_DIR": str(tmp_path / "serving"),
        "QCITY_PG_PUBLISH": "0",
    }
    with mock.patch.dict(os.environ, values):
        yield values


def test_refresh_all_publishes_the_serving_copy_then_the_report(env, tmp_path):
    result = refresh_all()
    assert isinstance(result, PublishReport)
    assert result.serving.path == tmp_path / "serving" / SERVING_FILE_NAME
    assert result.report.path == tmp_path / "build" / "report" / "index.html"
    assert result.report.serving_version == result.serving.version
    assert result.postgres is None
    summary = result.as_dict()
    json.dumps(summary)  # fits an Airflow XCom as it is
    assert summary["serving"]["sequence"] == 1
    assert summary["report"]["bytes"] > 1_000_000


def test_publisher_takes_the_dags_open_connection(env, tmp_path):
    """qcity.publish's shape: (con, build_dir) -> paths written."""
    con = connect(Path(env["QCITY_WAREHOUSE"]))
    try:
        written = publisher(con, tmp_path / "dag-build")
    finally:
        con.close()
    assert written == [
        tmp_path / "serving" / SERVING_FILE_NAME,
        tmp_path / "dag-build" / "report" / "index.html",
    ]
    assert all(p.exists() for p in written)


def test_refresh_all_publishes_to_postgres_when_asked(
    env, pg_settings: PostgresSettings, reader_role: str
):
    extra = {
        "QCITY_PG_PUBLISH": "1",
        "QCITY_PG_DBNAME": pg_settings.dbname,
        "QCITY_BI_READER_ROLE": reader_role,
    }
    with mock.patch.dict(os.environ, extra):
        result = refresh_all(report=False)
    assert result.report is None
    assert result.postgres.reader_role == reader_role
    assert result.postgres.tables == result.serving.tables
    con = pg_settings.connect()
    try:
        with con.cursor() as cur:
            cur.execute("select obj_description('marts'::regnamespace)")
            assert result.serving.version in cur.fetchone()[0]
    finally:
        con.close()


def test_publish_command_prints_what_it_published(env, tmp_path):
    result = CliRunner().invoke(app, ["publish", "--no-report"])
    assert result.exit_code == 0, result.output
    # every table of the marts schema, as the build made them
    with duckdb.connect(env["QCITY_WAREHOUSE"], read_only=True) as con:
        [(tables,)] = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_type = 'BASE TABLE'"
        ).fetchall()
    assert tables > 19  # the indicator, quality and housing marts
    assert "Serving copy v" in result.output and f"{tables} tables" in result.output
    assert not (tmp_path / "build" / "report").exists()
    as_json = CliRunner().invoke(app, ["publish", "--json"])
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads(as_json.output)
    assert summary["serving"]["sequence"] == 2
    assert Path(summary["report"]["path"]).exists()


def test_publish_command_without_a_warehouse_is_one_sentence(tmp_path):
    values = {
        "QCITY_WAREHOUSE": str(tmp_path / "none.duckdb"),
        "QCITY_SERVING_DIR": str(tmp_path / "serving"),
    }
    with mock.patch.dict(os.environ, values):
        result = CliRunner().invoke(app, ["publish"])
    assert result.exit_code == 1
    assert "Error: no warehouse at" in result.output and "run `qcity build` first." in result.output
