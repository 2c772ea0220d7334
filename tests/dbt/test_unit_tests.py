"""The dbt unit tests run, and pass, in a first build on each engine.

The suite's other dbt runs leave them out (`tests.conftest.UNIT_TESTS_LEFT_OUT`): the same
code gives the same result, so they run once per engine, in the shared builds that also
serve the other dbt tests, as `qcity build` runs them for users: in the first build of a
warehouse, in full scans, and after the project's files changed. DuckDB's here; PostgreSQL's
in tests/dbt/test_postgres.py, the one module reading its builds (made once per worker).
"""

from __future__ import annotations

from tests.dbt.conftest import Built, declared_unit_tests, unit_test_results


def test_every_unit_test_passes_in_the_first_duckdb_build(first_batch_warehouse: Built) -> None:
    declared = declared_unit_tests()
    assert len(declared) >= 10
    assert unit_test_results(first_batch_warehouse) == dict.fromkeys(declared, "pass")
