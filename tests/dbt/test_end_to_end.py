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

from ingestion.generate import generate_exports
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
