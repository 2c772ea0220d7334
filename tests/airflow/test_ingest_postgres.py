"""Tasks of one landing folder running at once on a PostgreSQL warehouse (its pool has
several slots): each file is handled once, in delivery order, whichever task gets to it.

Real PostgreSQL (a throw-away database); each task its own connection and thread, as
mapped tasks on different workers have."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestration.folders import Folders
from orchestration.ingest import ingest_listed, run_outcomes
from tests.airflow.test_ingest_steps import FOLDER, drop, listing
from tests.conftest import good_market_rows
from tests.postgres import empty_warehouse, postgres_rows, warehouse_url_of
from warehouse.pg_load import connect as connect_postgres
from warehouse.postgres_copy import PostgresSettings


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")


@pytest.fixture
def pg() -> Iterator[PostgresSettings]:
    yield from empty_warehouse("qcity_ingest_turns")


def test_a_folders_tasks_at_once_handle_each_file_once_in_delivery_order(
    folders: Folders, pg: PostgresSettings
) -> None:
    for i, prefix in enumerate("ABC"):
        drop(folders, f"第{i + 1}批合格信息.csv", good_market_rows(4, prefix=prefix), 300 - i)
    files = listing(folders)
    url = warehouse_url_of(pg)
    connect_postgres(url).close()  # the schema made once, before the tasks race
    start = threading.Barrier(len(files))
    errors: list[BaseException] = []

    def task(index: int) -> None:
        con = connect_postgres(url)
        try:
            start.wait()
            ingest_listed(con, folders, "run-1", files, index)
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)
        finally:
            con.close()

    # the last file's task first: it catches up with the two before it while they run
    threads = [threading.Thread(target=task, args=(i,)) for i in reversed(range(len(files)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    manifest = postgres_rows(
        pg, "select file_name, status from audit.file_manifest order by load_id"
    )
    assert manifest == [(f.name, "loaded") for f in files]  # once each, in delivery order
    con = connect_postgres(url)
    try:
        assert [o.file_name for o in run_outcomes(con, "run-1", FOLDER)] == [f.name for f in files]
    finally:
        con.close()
    (rows,) = postgres_rows(pg, "select count(*) from raw.market_sampling")
    assert rows == (12,)
    assert list(folders.landing_dir(FOLDER).iterdir()) == []
