"""What is published after every build: the outputs read from the marts.

Each publisher is a function `(con, build_dir) -> list[Path]` named in `PUBLISHERS`
(`"module:function"`), run in order by the warehouse DAG's `publish` task after every
successful build, with the warehouse open (the task holds the warehouse pool slot). A
later issue adds its function here and the DAG picks it up; no DAG code changes.

* `scorecard_snapshot` writes the scorecard as CSV (UTF-8 with BOM, so Excel opens the
  Chinese text) and JSON under `build/scorecard/`.
* `serving_copies` runs `refresh_all` below (the read-only serving copy for BI
  tools, the scorecard dashboard, PostgreSQL when `QCITY_PG_PUBLISH=1`) when that module
  is installed; until then it publishes nothing.
"""

from __future__ import annotations

import csv
import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from qcity.output_safety import neutralise
from qcity.settings import warehouse_url
from reports.dashboard import ReportResult, write_dashboard
from warehouse.connection import open_warehouse
from warehouse.publish_postgres import (
    PostgresPublication,
    publish_enabled,
    publish_marts,
    serve_marts,
)
from warehouse.schema import is_postgres
from warehouse.serving import ServingPublication, publish_serving

if TYPE_CHECKING:
    from warehouse.pg_load import PgConnection

PUBLISHERS: tuple[str, ...] = (
    "qcity.publish:scorecard_snapshot",
    "qcity.publish:serving_copies",
)

SCORECARD = "marts.mart_indicator_scorecard"


def _resolve(spec: str) -> Callable[..., list[Path]]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def publish_all(con: duckdb.DuckDBPyConnection, build: Path) -> dict[str, list[str]]:
    """Run every publisher; returns what each wrote."""
    return {spec: [str(p) for p in _resolve(spec)(con, build)] for spec in PUBLISHERS}


def scorecard_snapshot(con: duckdb.DuckDBPyConnection, build: Path) -> list[Path]:
    out = build / "scorecard"
    out.mkdir(parents=True, exist_ok=True)
    cursor = con.execute(f"select * from {SCORECARD} order by indicator_code, county_code, period")
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    csv_path, json_path = out / "scorecard.csv", out / "scorecard.json"
    tmp = csv_path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        writer.writerows([neutralise(v) for v in row] for row in rows)
    tmp.replace(csv_path)
    records = [dict(zip(names, row, strict=True)) for row in rows]
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(
        json.dumps(records, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    tmp.replace(json_path)
    return [csv_path, json_path]


def serving_copies(con: duckdb.DuckDBPyConnection, build: Path) -> list[Path]:
    """The serving copy, dashboard and BI copies (`refresh_all`)."""
    return refresh_all(con=con).paths()


@dataclass
class PublishReport:
    """What `refresh_all` published; `as_dict()` is small enough for an Airflow XCom."""

    #: the serving file, or a PostgreSQL warehouse's marts schema granted to the reader
    serving: ServingPublication | PostgresPublication
    report: ReportResult | None = None
    postgres: PostgresPublication | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "serving": self.serving.as_dict(),
            "report": self.report.as_dict() if self.report else None,
            "postgres": self.postgres.as_dict() if self.postgres else None,
            "seconds": round(self.seconds, 3),
        }

    def paths(self) -> list[Path]:
        written = [self.serving.path] if isinstance(self.serving, ServingPublication) else []
        if self.report is not None:
            written.append(self.report.path)
        return written


def refresh_all(
    warehouse: Path | None = None,
    *,
    con: duckdb.DuckDBPyConnection | PgConnection | None = None,
    directory: Path | None = None,
    report_dir: Path | None = None,
    report: bool = True,
    postgres: bool | None = None,
    wait_seconds: float = 60.0,
) -> PublishReport:
    """Everything published after a successful build, in order:

    1. the serving copy (`publish_serving`), or, with a PostgreSQL warehouse (`con` on
       one, or no `warehouse` and `QCITY_WAREHOUSE` naming one), its `marts` schema itself
       granted to the reader role (`serve_marts`);
    2. the scorecard dashboard, from that copy, to `report_dir/index.html`
       (default `$QCITY_BUILD_DIR/report/`), unless `report` is False;
    3. the marts to PostgreSQL, from that copy, when `postgres` is True or, when it is
       None, when `QCITY_PG_PUBLISH=1` (settings from `QCITY_PG_*`, the reader's password
       from `QCITY_BI_READER_PASSWORD`); a PostgreSQL warehouse's marts are already there.

    Raises `ServingError`, `reports.dashboard.ReportError` or
    `warehouse.publish_postgres.PostgresPublishError`; a step that fails stops the ones
    after it, and what was published before stays published.
    """
    started = time.perf_counter()
    if is_postgres(con) or (con is None and warehouse is None and warehouse_url()):
        return _refresh_postgres(con, report, report_dir, started)
    assert not is_postgres(con)
    serving = publish_serving(warehouse, con=con, directory=directory, wait_seconds=wait_seconds)
    result = PublishReport(serving=serving)
    if report:
        result.report = write_dashboard(report_dir, source=serving.path)
    if publish_enabled() if postgres is None else postgres:
        result.postgres = publish_marts(serving.path)
    result.seconds = time.perf_counter() - started
    return result


def _refresh_postgres(
    con: PgConnection | None, report: bool, report_dir: Path | None, started: float
) -> PublishReport:
    """`refresh_all` on a PostgreSQL warehouse: the marts served in place, the dashboard
    read from them."""
    own = con is None
    pg = open_warehouse() if own else con
    assert is_postgres(pg)
    try:
        result = PublishReport(serving=serve_marts(pg))
        if report:
            result.report = write_dashboard(report_dir, warehouse=pg)
    finally:
        if own:
            pg.close()
    result.seconds = time.perf_counter() - started
    return result


def publisher(con: duckdb.DuckDBPyConnection, build: Path) -> list[Path]:
    """`refresh_all` in the shape of the publishers above: `(con, build_dir)`."""
    return refresh_all(con=con, report_dir=build / "report").paths()


def measured_rates(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The scorecard's measured rates for the whole city, as the demo prints them."""
    return con.execute(
        f"""
        select indicator_code, period, round(actual_value, 2), target_value, status,
               sample_size
        from {SCORECARD}
        where sample_size is not null and county_code = '360900'
        order by indicator_code, period
        """
    ).fetchall()
