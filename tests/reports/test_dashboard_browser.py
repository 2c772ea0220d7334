"""The dashboard in a real browser: headless Chromium opens the file, as a person would.

Chromium (Debian's `chromium` package; `.ci/run` installs it with a CJK font) loads the
page from disk with every host name unresolvable, so a page that needed the internet would
show it. The DOM it holds after the scripts ran is compared with the marts, the charts
must have been drawn by Plotly, and screenshots are kept under build/artifacts/
(`QCITY_ARTIFACTS_DIR`) for CI to archive. Without Chromium the tests fail under CI=true
and skip elsewhere.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from tests.browser import WINDOW, artifacts_dir, require_chromium, run_chromium
from tests.dbt.dataset import CITY
from tests.reports.dom import parse
from tests.reports.expected import CHARTS, assert_headline_matches


@pytest.fixture(scope="module")
def chromium() -> Path:
    return require_chromium()


@pytest.fixture(scope="module")
def dom(chromium: Path, dashboard_file: Path, tmp_path_factory: pytest.TempPathFactory):
    done = run_chromium(
        chromium, tmp_path_factory.mktemp("chromium"), dashboard_file.as_uri(), "--dump-dom"
    )
    return parse(done.stdout)


def test_indicator_table_in_the_browser_equals_the_marts(dom, serving_file):
    assert assert_headline_matches(dom, serving_file) == 34


def test_one_row_per_indicator_with_its_progress_status(dom):
    rows = dom.headline()
    assert len(rows) == len({r.indicator for r in rows}) == 34
    statuses = {"achieved", "on_track", "off_track", "no_data", "qualitative"}
    assert {r.status for r in rows} <= statuses
    assert {r.status for r in rows} >= {"achieved", "on_track", "off_track"}
    assert dom.goals and {status for _, status in dom.goals} == {"qualitative"}


def test_every_chart_was_drawn(dom):
    for chart in CHARTS:
        assert dom.chart_svgs.get(chart, 0) >= 1, chart


def test_the_whole_city_is_shown_first(dom):
    assert [county for county, hidden in dom.panels.items() if not hidden] == [CITY]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


def test_screenshot_is_kept_as_an_artifact(chromium, dashboard_file, tmp_path):
    shot = artifacts_dir() / "dashboard.png"
    shot.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path, dashboard_file.as_uri(), f"--screenshot={shot}")
    assert png_size(shot) == WINDOW
    assert shot.stat().st_size > 100_000  # a drawn page, not a blank one


def test_county_drill_down_in_the_browser(chromium, dashboard_file, tmp_path):
    """Opening the page at #county-360981 (丰城市) shows that county alone."""
    url = dashboard_file.as_uri() + "#county-360981"
    dumped = run_chromium(chromium, tmp_path, url, "--dump-dom").stdout
    page = parse(dumped)
    assert [county for county, hidden in page.panels.items() if not hidden] == ["360981"]
    # It opens on the county: the drill-down comes first, above the indicator table.
    assert page.body.get("data-opened-at") == "360981"
    assert dumped.index('<section id="counties">') < dumped.index('<section id="scorecard">')
    rows = page.county_rows("360981")
    assert {r.indicator for r in rows} >= {
        "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE",
        "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE",
    }
    assert len(rows) == len({r.indicator for r in rows}) == 34  # one row per indicator
    assert {r.status for r in rows if r.indicator.startswith("BRAND_")} == {"not_applicable"}
    shot = artifacts_dir() / "dashboard-county-360981.png"
    run_chromium(chromium, tmp_path, url, f"--screenshot={shot}")
    assert png_size(shot) == WINDOW
    assert shot.stat().st_size > 100_000
