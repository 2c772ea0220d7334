"""What the dashboard must show, read from the marts in plain Python.

The headline of each indicator (which value stands for the target year, its status) is
mart_indicator_progress's, tested in tests/dbt/test_progress.py; the page must show the
whole city's row of it unchanged, one row per indicator, and each county's rows.
"""

from __future__ import annotations

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


def _rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scorecard(path: Path) -> list[dict]:
    return _rows(
        path,
        "select s.*, i.target_year from marts.mart_indicator_scorecard s "
        "join marts.dim_indicator i using (indicator_code)",
    )


def progress(path: Path) -> list[dict]:
    return _rows(path, "select * from marts.mart_indicator_progress")


def indicator_codes(path: Path) -> list[str]:
    return [
        r["indicator_code"]
        for r in _rows(
            path, "select indicator_code from marts.dim_indicator where not is_monitoring"
        )
    ]


def headline_rows(path: Path, city: str = "360900") -> dict[str, dict]:
    """indicator code -> the progress row the headline table must show (the whole city's)."""
    return {r["indicator_code"]: r for r in progress(path) if r["county_code"] == city}


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
        assert row.period == (mart["actual_period"] or ""), row.indicator
        assert row.status == mart["status"], row.indicator
        for name in ("actual_value", "target_value", "gap", "progress_ratio"):
            if name == "progress_ratio":
                assert row.cells["progress"].value == exact(mart[name]), row.indicator
                continue
            cell = row.cells[name]
            assert cell.value == exact(mart[name]), (row.indicator, name)
            if mart[name] is None:
                assert cell.shown == "—", (row.indicator, name)
            else:
                number = cell.shown.replace(",", "").lstrip("≥≤= ")
                assert float(number) == pytest.approx(float(mart[name]), abs=0.005), (
                    row.indicator,
                    name,
                )
    return len(rows)
