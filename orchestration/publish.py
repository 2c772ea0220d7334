"""What the warehouse DAG refreshes after dbt: the outputs later issues publish.

Each publisher is a function `(con, build_dir) -> list[Path]` named in `PUBLISHERS`
(`"module:function"`), run in order by the warehouse DAG's `publish` task after every
successful build, with the warehouse open (the task holds the warehouse pool slot). A
later issue adds its function here and the DAG picks it up; no DAG code changes.

* `scorecard_snapshot` writes the scorecard as CSV (UTF-8 with BOM, so Excel opens the
  Chinese text) and JSON under `build/scorecard/`.
* `serving_copies` runs `warehouse.serving.refresh_all` (the read-only serving copy for BI
  tools, the scorecard dashboard, PostgreSQL when `QCITY_PG_PUBLISH=1`) when that module
  is installed; until then it publishes nothing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

PUBLISHERS: tuple[str, ...] = (
    "orchestration.publish:scorecard_snapshot",
    "orchestration.publish:serving_copies",
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
    import csv

    from qcity.output_safety import neutralise

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
    """The serving copy, dashboard and BI copies of `warehouse.serving`, when present."""
    from importlib.util import find_spec

    if find_spec("warehouse.serving") is None:
        return []
    from warehouse.serving import refresh_all

    published = refresh_all(con=con)
    written = [published.serving.path]
    if published.report is not None:
        written.append(published.report.path)
    return [Path(p) for p in written]


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
