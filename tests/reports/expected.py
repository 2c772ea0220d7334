"""What the dashboard must show, worked out from the marts in plain Python.

Deliberately not the report's own SQL: the headline rule (the whole city's row for the
target year; when it has no value, the latest return of a quarter or month of that year)
is written again here, so a test compares two readings of the same marts.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

import duckdb

#: the charts the dashboard draws (trends per indicator family, failures per source, data
#: quality), by their data-chart ids
CHARTS = (
    "chart-trend-food_drug",
    "chart-trend-industrial",
    "chart-trend-agri",
    "chart-trend-construction",
    "chart-failures-market_sampling",
    "chart-failures-agri_testing",
    "chart-quality",
)


def period_end(period: str) -> date | None:
    if re.fullmatch(r"\d{4}", period):
        return date(int(period), 12, 31)
    if m := re.fullmatch(r"(\d{4})Q([1-4])", period):
        year, month = int(m[1]), int(m[2]) * 3
    elif m := re.fullmatch(r"(\d{4})-(\d{2})", period):
        year, month = int(m[1]), int(m[2])
    else:
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def scorecard(path: Path) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(
            "select s.*, i.target_year from marts.mart_indicator_scorecard s "
            "join marts.dim_indicator i using (indicator_code)"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def indicator_codes(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            r[0] for r in con.execute("select indicator_code from marts.dim_indicator").fetchall()
        ]


def headline_rows(path: Path, city: str = "360900") -> dict[str, dict | None]:
    """indicator code -> the scorecard row the headline table must show (None: none fits)."""
    rows = scorecard(path)
    chosen: dict[str, dict | None] = {}
    for code in indicator_codes(path):
        candidates = [
            r
            for r in rows
            if r["indicator_code"] == code
            and r["county_code"] == city
            and r["period"][:4] == str(r["target_year"])
        ]
        candidates.sort(
            key=lambda r: (
                r["actual_value"] is not None,
                r["period"] == str(r["target_year"]),
                period_end(r["period"]) or date.min,
                r["as_of"] or date.min,
            ),
            reverse=True,
        )
        chosen[code] = candidates[0] if candidates else None
    return chosen


def exact(value) -> str:
    return "" if value is None else repr(float(value))


def assert_headline_matches(page, serving_file: Path) -> int:
    """Every headline row of a parsed page equals the marts; returns how many were checked."""
    import pytest

    expected = headline_rows(serving_file)
    rows = page.headline()
    assert {row.indicator for row in rows} == set(expected)
    for row in rows:
        mart = expected[row.indicator]
        assert mart is not None, row.indicator
        assert row.period == mart["period"], row.indicator
        assert row.status == mart["status"], row.indicator
        for name in ("actual_value", "target_value", "gap"):
            cell = row.cells[name]
            assert cell.value == exact(mart[name]), (row.indicator, name)
            if mart[name] is None:
                assert cell.shown == "—", (row.indicator, name)
            else:
                number = cell.shown.replace(",", "").lstrip("≥≤= ")
                assert float(number) == pytest.approx(mart[name], abs=0.005), (row.indicator, name)
    return len(rows)
