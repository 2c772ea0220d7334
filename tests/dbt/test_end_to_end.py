"""Generated exports → ingestion → `qcity build`: the scorecard equals the generator's oracle.

The sample-export generator knows, from its own truth, the passed/total of each measured
indicator per county and year after corrections, quarantine and rejections
(manifest.json "expected"). After loading every file in manifest order and building, the
scorecard's four measured rates must match it exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sample_data import generate_exports
from tests.dbt.conftest import dbt_paths, qcity_build, query
from warehouse.connection import connect
from warehouse.load import Loader

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("end-to-end")
    landing, warehouse = base / "landing", base / "qcity.duckdb"
    generate_exports(landing, rows=500, seed=11, defect_share=0.03)
    manifest = json.loads((landing / "manifest.json").read_text(encoding="utf-8"))
    con = connect(warehouse)
    try:
        loader = Loader(con)
        for entry in manifest["files"]:
            loader.ingest(landing / entry["path"], source=entry["source"])
    finally:
        con.close()
    with dbt_paths(base):
        qcity_build(warehouse)
    return warehouse, manifest["expected"]


def test_measured_rates_equal_the_generators_truth(generated: tuple[Path, dict]) -> None:
    warehouse, expected = generated
    rows = query(
        warehouse,
        "select indicator_code, county_code, period, actual_value, sample_size "
        "from marts.mart_indicator_scorecard where sample_size is not null",
    )
    built = {r[:3]: r[3:] for r in rows}
    wanted = {
        (code, county, year): (100.0 * float(c["passed"]) / float(c["total"]), c["total"])
        for code, by_county in expected.items()
        for county, years in by_county.items()
        for year, c in years.items()
        if c["total"]
    }
    assert wanted, "the generator expected no measured rates"
    assert built == wanted


def test_progress_headline_equals_the_generators_truth_and_the_returns(
    generated: tuple[Path, dict],
) -> None:
    """One row per indicator x county for 2025; its measured rates are the oracle's and its
    returned values are the values returned (to 0.01)."""
    warehouse, expected = generated
    rows = query(
        warehouse,
        "select indicator_code, county_code, actual_value, actual_period, sample_size, kind "
        "from marts.mart_indicator_progress where target_year = 2025",
    )
    progress = {r[:2]: r[2:] for r in rows}
    assert len(progress) == len(rows) == 34 * 15
    measured = 0
    for code, by_county in expected.items():
        for county, years in by_county.items():
            counts = years.get("2025")
            if not counts or not counts["total"]:
                continue
            actual, _, sample_size, _ = progress[(code, county)]
            rate = 100.0 * counts["passed"] / counts["total"]
            assert float(actual) == pytest.approx(rate, abs=0.01), (code, county)
            assert sample_size == counts["total"]
            measured += 1
    assert measured
    returns = {
        r[:3]: r[3]
        for r in query(
            warehouse,
            "select indicator_code, county_code, period, reported_value "
            "from marts.fct_indicator_reports where period_year = 2025",
        )
    }
    checked = 0
    for (code, county), (actual, period, _, kind) in progress.items():
        if actual is None or kind == "increment" or (code, county, period) not in returns:
            continue
        assert float(actual) == pytest.approx(returns[(code, county, period)], abs=0.01)
        checked += 1
    assert checked
