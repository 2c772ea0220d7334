"""The dbt unit tests run, and pass, in a first build on each engine.

The suite's other dbt runs leave them out (`tests.conftest.UNIT_TESTS_LEFT_OUT`): the same
code gives the same result, so they run here once per engine, in the shared builds that
also serve the other dbt tests, as `qcity build` runs them for users: in the first build of
a warehouse, in full scans, and after the project's files changed.
"""

from __future__ import annotations

import json

import yaml

from qcity.settings import DBT_PROJECT_DIR
from tests.dbt.conftest import Built


def declared_unit_tests() -> set[str]:
    """Every unit test the project's YAML declares, as dbt names it."""
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", []):
            names.add(f"unit_test.qcity.{test['model']}.{test['name']}")
    return names


def unit_test_results(built: Built) -> dict[str, str]:
    results = json.loads((built.target_path / "run_results.json").read_text(encoding="utf-8"))
    return {
        r["unique_id"]: r["status"]
        for r in results["results"]
        if r["unique_id"].startswith("unit_test.")
    }


def test_every_unit_test_passes_in_the_first_duckdb_build(first_batch_warehouse: Built) -> None:
    declared = declared_unit_tests()
    assert len(declared) >= 10
    assert unit_test_results(first_batch_warehouse) == dict.fromkeys(declared, "pass")


def test_every_unit_test_passes_in_a_postgres_build(postgres_built: Built) -> None:
    assert unit_test_results(postgres_built) == dict.fromkeys(declared_unit_tests(), "pass")
