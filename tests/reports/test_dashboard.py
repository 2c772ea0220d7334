"""The scorecard dashboard as written: every indicator, the marts' values, escaped, offline."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from typer.testing import CliRunner

from qcity.cli import app
from reports.dashboard import ReportError, write_dashboard
from tests.dbt.dataset import CITY, EXPECTED_RATES
from tests.reports.dom import parse
from tests.reports.expected import (
    CHARTS,
    assert_headline_matches,
    exact,
    indicator_codes,
    progress,
)
from tests.serving.built import copy_of


@pytest.fixture(scope="module")
def page(dashboard_file: Path):
    return parse(dashboard_file.read_text(encoding="utf-8"))


def test_every_indicator_of_the_plan_has_one_row(page, serving_file):
    codes = [row.indicator for row in page.headline()]
    assert len(codes) == len(set(codes)) == 34
    assert set(codes) == set(indicator_codes(serving_file))


def test_headline_values_equal_the_marts(page, serving_file):
    assert assert_headline_matches(page, serving_file) == 34


def test_measured_rates_equal_the_hand_worked_oracle(page):
    """The dbt tests' rates, worked out by hand from the rows, reach the page unchanged."""
    shown = {row.indicator: row for row in page.headline()}
    for (code, county, period), (rate, _) in EXPECTED_RATES.items():
        if county == CITY and period == "2025":
            # the progress mart keeps four decimals (a fixed scale, no float noise)
            assert float(shown[code].cells["actual_value"].value) == round(rate, 4), code


def test_a_quarter_return_is_the_headline_when_the_year_has_no_value(page):
    row = {r.indicator: r for r in page.headline()}["ECON_NATIONAL_LITTLE_GIANTS"]
    # A level of 20 by Q3 against 30 by December: not achieved yet, and judged on its pace.
    assert (row.period, row.cells["actual_value"].value, row.status) == (
        "2025Q3",
        "20.0",
        "off_track",
    )
    # A corrected return replaces the first one: 65 (second batch), not 58.
    std = {r.indicator: r for r in page.headline()}["STD_LOCAL"]
    assert (std.period, std.cells["actual_value"].value, std.status) == ("2025", "65.0", "achieved")


def test_every_status_has_its_colour_and_words(dashboard_file, page):
    html = dashboard_file.read_text(encoding="utf-8")
    for status, zh, en in (
        ("achieved", "已达标", "Achieved"),
        ("on_track", "进度正常", "On track"),
        ("off_track", "进度滞后", "Off track"),
        ("no_data", "暂无数据", "No data"),
        ("qualitative", "定性指标", "Qualitative"),
        ("not_applicable", "不适用", "Not applicable"),
    ):
        assert f".status-{status} {{ color: var(--{status})" in html
        assert zh in page.text and en in page.text
    assert {r.status for r in page.headline()} >= {
        "achieved",
        "on_track",
        "off_track",
        "no_data",
        "qualitative",
    }


def test_county_drill_down_has_every_county_and_all_its_rows(page, serving_file):
    rows = progress(serving_file)
    with duckdb.connect(str(serving_file), read_only=True) as con:
        counties = [
            r[0] for r in con.execute("select county_code from marts.dim_county").fetchall()
        ]
    assert sorted(page.options) == sorted(counties)
    assert page.options[0] == CITY
    assert page.panels == {c: c != CITY for c in counties}  # only the whole city shown at first
    for county in counties:
        expected = {r["indicator_code"]: r for r in rows if r["county_code"] == county}
        shown = page.county_rows(county)
        # one row per indicator: no 2025 "no data" beside the county's 2025-03 and 2025-09
        assert len(shown) == len({row.indicator for row in shown}) == len(expected) == 34
        for row in shown:
            mart = expected[row.indicator]
            assert row.status == mart["status"]
            assert row.period == (mart["actual_period"] or "")
            assert row.cells["actual_value"].value == exact(mart["actual_value"])
            assert row.cells["target_value"].value == exact(mart["target_value"])


def test_a_county_is_not_held_to_a_city_total(page):
    """A county's return of a city total (袁州区's 8 group standards) is shown, not held to 50."""
    rows = {row.indicator: row for row in page.county_rows("360902")}
    group = rows["STD_GROUP"]  # 360902 returned 8 group standards
    assert group.status == "not_applicable"
    assert group.cells["actual_value"].value == "8.0"
    assert group.cells["target_value"].value == group.cells["gap"].value == ""
    assert "不适用（全市目标）" in page.text
    assert rows["QUAL_FOOD_DRUG_SAMPLING_PASS_RATE"].status == "off_track"  # a rate: held to 98 %


def test_the_2035_goals_are_listed_as_qualitative(page, serving_file):
    with duckdb.connect(str(serving_file), read_only=True) as con:
        goals = [r[0] for r in con.execute("select goal_zh from marts.dim_goal_2035").fetchall()]
    assert len(goals) == 3
    assert page.goals == [(g, "qualitative") for g in goals]


def test_charts_for_trends_failures_and_data_quality(dashboard_file):
    html = dashboard_file.read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'data-chart="{chart}"' in html, chart


def test_the_page_is_self_contained(dashboard_file):
    from plotly.offline import get_plotlyjs

    html = dashboard_file.read_text(encoding="utf-8")
    bundle = get_plotlyjs()
    assert html.count(bundle) == 1  # plotly.js from the installed package, inlined once
    page = html.replace(bundle, "")
    assert "<script src" not in page and "<link" not in page
    assert "http://" not in page and "https://" not in page  # nothing fetched, nothing linked
    assert page.count("<script>") == 2  # plotly.js, then the page's own few lines


def test_the_page_stays_reasonably_small(dashboard_file):
    from plotly.offline import get_plotlyjs

    data = dashboard_file.stat().st_size - len(get_plotlyjs().encode())
    assert data < 500_000


HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>&amp;"


@pytest.fixture
def hostile_serving(serving_file: Path, tmp_path: Path) -> Path:
    """Text from the exports is the clerk's: product names and items can hold anything."""
    path = copy_of(serving_file, tmp_path / "hostile.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "update marts.mart_failure_reasons set failed_item = ?, product_name = ?",
            [HOSTILE, HOSTILE],
        )
        con.execute(
            "update marts.dim_indicator set name_zh = ? where indicator_code = 'STD_LOCAL'",
            [HOSTILE],
        )
        con.execute(
            "update marts.mart_data_quality set top_rules_broken_zh = ?", ["</script>" + HOSTILE]
        )
    return path


def test_values_from_the_data_are_escaped(hostile_serving, tmp_path):
    html = write_dashboard(tmp_path / "out", source=hostile_serving).path.read_text(
        encoding="utf-8"
    )
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "</script><script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # in the tables, as text
    assert "\\u0026lt;script\\u0026gt;alert(1)" in html  # chart labels: escaped, then JSON
    page = parse(html)
    assert HOSTILE in page.text  # a reader sees exactly what the clerk typed


def test_an_empty_warehouse_still_renders(serving_file, tmp_path):
    path = copy_of(serving_file, tmp_path / "empty.duckdb")
    with duckdb.connect(str(path)) as con:
        for table in ("mart_pass_rates", "mart_failure_reasons", "mart_data_quality"):
            con.execute(f"delete from marts.{table}")
        con.execute(
            "update marts.mart_indicator_scorecard set actual_value = null, status = 'no_data'"
        )
        con.execute(
            "update marts.mart_indicator_progress set actual_value = null, gap = null, "
            "progress_ratio = null, status = 'no_data' where status <> 'not_applicable'"
        )
        con.execute("delete from marts.mart_indicator_series")
    page = parse(write_dashboard(tmp_path / "out", source=path).path.read_text(encoding="utf-8"))
    assert len(page.headline()) == 34
    assert "暂无数据" in page.text


def test_no_marts_is_one_sentence(tmp_path):
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ReportError, match="has no marts yet; run `qcity build` first"):
        write_dashboard(tmp_path / "out", source=empty)


def test_report_command_writes_index_html_where_asked(serving_file, tmp_path):
    result = CliRunner().invoke(
        app, ["report", "--out", str(tmp_path / "r"), "--source", str(serving_file)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").stat().st_size > 1_000_000
    assert str(tmp_path / "r" / "index.html") in result.output


def test_report_command_defaults_to_build_report_from_the_serving_copy(
    built, serving_file, tmp_path
):
    serving_dir = tmp_path / "serving"
    serving_dir.mkdir()
    shutil.copy(serving_file, serving_dir / serving_file.name)
    env = {
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "QCITY_SERVING_DIR": str(serving_dir),
        "QCITY_WAREHOUSE": str(tmp_path / "absent.duckdb"),
    }
    with mock.patch.dict(os.environ, env):
        result = CliRunner().invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "report" / "index.html").exists()
    assert "qcity_serving.duckdb" in result.output


def test_report_reads_the_warehouse_when_there_is_no_serving_copy(built, tmp_path):
    env = {
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "QCITY_SERVING_DIR": str(tmp_path / "no-serving"),
        "QCITY_WAREHOUSE": str(built),
    }
    with mock.patch.dict(os.environ, env):
        result = CliRunner().invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    page = parse((tmp_path / "build" / "report" / "index.html").read_text(encoding="utf-8"))
    assert len(page.headline()) == 34


def test_report_command_without_any_warehouse_says_so(tmp_path):
    env = {
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "QCITY_SERVING_DIR": str(tmp_path / "none"),
        "QCITY_WAREHOUSE": str(tmp_path / "none.duckdb"),
    }
    with mock.patch.dict(os.environ, env):
        result = CliRunner().invoke(app, ["report"])
    assert result.exit_code == 1
    assert "run `qcity build` first" in result.output
