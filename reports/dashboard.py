"""The scorecard dashboard: one self-contained HTML file, opened from disk, no server.

`write_dashboard(out_dir)` reads the serving copy (warehouse.serving), or the warehouse
read-only when no serving copy exists yet, and writes `out_dir/index.html`: every plan
indicator against its target, a county drill-down, monthly pass-rate trends, the test
items and products that fail most, the housing 监测指标 (住建领域质量监测), each department's
data quality and the plan's 2035 goals. The indicator table is mart_indicator_progress: one row per indicator, its progress
bar to the target, trajectory status and trend line. Chinese first,
English beneath. The page holds its data, its CSS, a few lines of plain JavaScript and
plotly.js from the installed plotly package, so it opens on an intranet with no internet.
Every value from the data goes through Jinja2's autoescaping (table cells) or
`charts.script_json` (chart data).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from plotly.offline import get_plotlyjs

from qcity.leftovers import remove_stale
from reports import charts, housing, queries

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_FILE = "index.html"
# The file being written, renamed to REPORT_FILE once whole.
TMP_PREFIX = ".index-"

#: mart_indicator_progress's statuses, in the order the page counts them.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "achieved": ("已达标", "Achieved"),
    "on_track": ("进度正常", "On track"),
    "off_track": ("进度滞后", "Off track"),
    "no_data": ("暂无数据", "No data"),
    "qualitative": ("定性指标", "Qualitative"),
    "not_applicable": ("不适用（全市目标）", "Not applicable: a city-wide target"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "rate": ("比率", "rate over the period"),
    "level": ("存量", "level reached by a date"),
    "increment": ("增量", "count added in the period"),
    "qualitative": ("定性", "qualitative"),
}


def source_labels() -> dict[str, tuple[str, str]]:
    """Each source's short titles (zh, en), from its contract."""
    from ingestion.contracts import all_contracts

    return {c.name: (c.short_title_zh, c.short_title_en) for c in all_contracts()}


class ReportError(RuntimeError):
    """The report could not be written; the message is one sentence."""


@dataclass
class ReportResult:
    path: Path
    bytes: int
    seconds: float
    source: Path
    serving_version: str | None

    def as_dict(self) -> dict:
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "source": str(self.source),
            "serving_version": self.serving_version,
        }


def default_out_dir() -> Path:
    """`build/report/` under `QCITY_BUILD_DIR`."""
    from qcity.settings import build_dir

    return build_dir() / "report"


# ---------------------------------------------------------------- formatting (Jinja filters)


def number(value: float | int | None, decimals: int = 2) -> str:
    """1,234 for whole numbers, 95.90 otherwise, — for nothing."""
    if value is None:
        return "—"
    value = float(value)
    if value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{decimals}f}"


def signed(value: float | None) -> str:
    if value is None:
        return "—"
    text = number(abs(value))
    if text in ("0", "0.00"):
        return text
    return ("+" if value > 0 else "-") + text


def comparator(value: str | None) -> str:
    """>= as ≥, <= as ≤: how the plan writes its targets."""
    return {">=": "≥", "<=": "≤"}.get(value or "", value or "")


def exact(value: float | int | None) -> str:
    """The value as Python spells it exactly (data-value attributes the tests compare)."""
    return "" if value is None else repr(float(value))


def progress_percent(actual: float | None, target: float | None) -> float | None:
    """How far the value has come towards the target, 0-100 (for the progress bar)."""
    if actual is None or target is None or float(target) <= 0:
        return None
    return max(0.0, min(100.0, 100.0 * float(actual) / float(target)))


def ratio(value: float | None) -> str:
    """A progress ratio as the page shows it (1.00 = exactly the pace required)."""
    return "—" if value is None else f"{float(value):.2f}"


def sparkline(points: list[tuple[str, float]], width: int = 96, height: int = 24) -> str:
    """SVG polyline points for a small trend line (numbers only: nothing to escape)."""
    if len(points) < 2:
        return ""
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (width - 4) / (len(values) - 1)
    return " ".join(
        f"{2 + i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
        for i, v in enumerate(values)
    )


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=number, signed=signed, exact=exact, comparator=comparator, ratio=ratio
    )
    return env


# ---------------------------------------------------------------- data


def collect(con: duckdb.DuckDBPyConnection) -> dict:
    """Everything the template shows, read from the marts on `con`."""
    city = queries.city_code(con)
    counties = queries.counties(con)
    trends = []
    for spec in queries.TRENDS:
        rows = queries.monthly_pass_rates(con, spec)
        target = queries.target_of(con, spec.indicator_code)
        trends.append(
            {
                "spec": spec,
                "figure": charts.script_json(charts.trend_figure(rows, counties, city, target))
                if rows
                else None,
            }
        )
    period = queries.latest_failure_period(con)
    failures = []
    county_failures: dict[str, list[dict]] = {}
    products: list[dict] = []
    if period:
        for source, zh, en in queries.FAILURE_SOURCES:
            rows = queries.top_failed_items(con, source, period)
            failures.append(
                {
                    "source": source,
                    "zh": zh,
                    "en": en,
                    "rows": rows,
                    "figure": charts.script_json(charts.failed_items_figure(rows))
                    if rows
                    else None,
                }
            )
        products = queries.top_failed_products(con, period)
        for county in counties:
            if county["county_code"] == city:
                continue
            items = []
            for source, zh, _ in queries.FAILURE_SOURCES:
                for row in queries.top_failed_items(
                    con, source, period, county=county["county_code"], limit=5
                ):
                    items.append({**row, "source_zh": zh})
            county_failures[county["county_code"]] = items
    quality = queries.data_quality(con)
    headline = queries.headline(con)
    series = queries.city_series(con)
    for row in headline:
        row["progress_percent"] = progress_percent(row["actual_value"], row["target_value"])
        points = series.get(row["indicator_code"], [])
        row["trend"] = sparkline(points)
        row["trend_periods"] = f"{points[0][0]}–{points[-1][0]}" if len(points) > 1 else ""
    by_county = queries.progress_by_county(con)
    for rows in by_county.values():
        for row in rows:
            row["progress_percent"] = progress_percent(row["actual_value"], row["target_value"])
    headline_statuses = [s for s in STATUS_LABELS if s != "not_applicable"]
    status_counts = {s: sum(1 for r in headline if r["status"] == s) for s in headline_statuses}
    return {
        "city": city,
        "counties": counties,
        "headline": headline,
        "status_counts": status_counts,
        "goals_2035": queries.goals_2035(con),
        "by_county": by_county,
        "trends": trends,
        "failure_period": period,
        "failures": failures,
        "products": products,
        "county_failures": county_failures,
        "quality": quality,
        "housing": housing.collect(con, city),
        "quality_figure": charts.script_json(charts.data_quality_figure(quality))
        if quality
        else None,
    }


def render(con: duckdb.DuckDBPyConnection, meta: dict | None = None) -> str:
    """The dashboard as one HTML document."""
    context = collect(con)
    context.update(
        meta=meta or {},
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        source_labels=source_labels(),
        plotly_js=get_plotlyjs(),
    )
    return _environment().get_template("dashboard.html.j2").render(**context)


def _open_source(source: Path | None) -> tuple[duckdb.DuckDBPyConnection, Path, dict | None]:
    """The serving copy when there is one, else the warehouse itself, read-only."""
    from qcity.settings import warehouse_path
    from warehouse.serving import read_publication, serving_path

    candidates = [source] if source else [serving_path(), warehouse_path()]
    for path in candidates:
        if path.exists():
            try:
                con = duckdb.connect(str(path), read_only=True)
            except duckdb.Error as exc:
                raise ReportError(f"cannot open {path} read-only: {exc}") from exc
            return con, path, read_publication(con)
    raise ReportError(
        f"no serving copy or warehouse found ({', '.join(str(p) for p in candidates)}); "
        "run `qcity build` first"
    )


def write_dashboard(out_dir: Path | None = None, source: Path | None = None) -> ReportResult:
    """Write `out_dir/index.html` (default build/report/) atomically; returns where and how big."""
    started = time.perf_counter()
    out_dir = out_dir or default_out_dir()
    con, path, publication = _open_source(source)
    try:
        missing = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' "
            "and table_name in ('mart_indicator_progress', 'mart_indicator_series', "
            "'dim_indicator', 'dim_county', 'dim_goal_2035', "
            "'mart_pass_rates', 'mart_failure_reasons', 'mart_data_quality')"
        ).fetchone()[0]
        if missing < 8:
            raise ReportError(f"{path} has no marts yet; run `qcity build` first")
        meta = {
            "generated_at": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
            "source": path.name,
            "version": publication["version"] if publication else None,
            "published_at": publication["published_at"] if publication else None,
        }
        document = render(con, meta)
    finally:
        con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / REPORT_FILE
    # A publication killed between these lines left its 5 MB temporary file: gone now.
    remove_stale(out_dir, TMP_PREFIX)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=".html", dir=out_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(document)
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return ReportResult(
        path=target,
        bytes=target.stat().st_size,
        seconds=time.perf_counter() - started,
        source=path,
        serving_version=publication["version"] if publication else None,
    )
