"""The GX suites and the contracts never disagree; the suites decide what they claim to."""

from __future__ import annotations

import json
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pytest

from ingestion.contracts import all_contracts
from ingestion.errors import LoadFault
from ingestion.validation import context as gx_context
from ingestion.validation.suites import build_suite
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv


def test_committed_suites_are_current_with_the_contracts() -> None:
    assert gx_context.sync_suites(check=True) == [], "run `qcity contracts sync`"


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda c: c.name)
def test_every_required_column_and_vocabulary_has_an_expectation(contract) -> None:
    suite = json.loads((gx_context.SUITES_DIR / f"{contract.name}.json").read_text("utf-8"))
    pairs = {(e["type"], e["kwargs"].get("column")) for e in suite["expectations"]}
    for column in contract.required_columns:
        if column.always_required:
            assert ("expect_column_values_to_not_be_null", column.name) in pairs
    conditional = {
        (e["meta"]["rule"], e["meta"]["column"])
        for e in suite["expectations"]
        if e["type"] == "expect_column_pair_values_to_be_in_set"
    }
    for presence in contract.conditional_presence:  # required_when narrows `required`
        assert (presence.kind, presence.column) in conditional
    for column in contract.columns:
        if column.vocabulary:
            assert ("expect_column_values_to_be_in_set", column.name) in pairs
    rules = {e["meta"]["rule"] for e in suite["expectations"]}
    assert {"no_data_rows", "over_threshold"} <= rules
    assert all(e["meta"]["level"] in {"row", "file"} for e in suite["expectations"])


def test_committed_context_has_no_analytics_and_no_absolute_paths() -> None:
    config = (gx_context.EXPECTATIONS_ROOT / "gx" / "great_expectations.yml").read_text("utf-8")
    assert "analytics_enabled: false" in config
    assert "${QCITY_DATA_DOCS_DIR}" in config and "${QCITY_GX_RESULTS_DIR}" in config
    assert "/work/" not in config and "/tmp/" not in config


def test_an_expectation_that_errors_is_our_fault_never_a_pass_nor_a_rejection(
    tmp_path: Path, loader, con, monkeypatch
) -> None:
    real = build_suite(next(c for c in all_contracts() if c.name == "market_sampling"))
    broken = gx.ExpectationSuite(
        name="market_sampling",
        expectations=[
            *real.expectations,
            gxe.ExpectColumnValuesToBeBetween(
                column="no_such_column",
                min_value=0,
                meta={"level": "row", "rule": "out_of_range", "column": "no_such_column"},
            ),
        ],
    )
    monkeypatch.setattr("ingestion.validation.runner.load_suite", lambda _name: broken)
    with pytest.raises(LoadFault) as raised:
        loader.ingest(write_csv(tmp_path / "ok.csv", [MARKET_HEADER, *good_market_rows(5)]))
    assert raised.value.kind == "bug"
    assert "no_such_column" in raised.value.message_en("ok.csv")
    # nothing recorded against the file, no department alert; the data team is told
    assert con.execute("select count(*) from audit.file_manifest").fetchone() == (0,)
    assert con.execute("select count(*) from raw.market_sampling").fetchone() == (0,)
    kinds = con.execute("select distinct kind, department_code from audit.alert_outbox").fetchall()
    assert kinds == [("pipeline_failure", "DATA_TEAM")]


def test_validation_runs_are_recorded(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, *good_market_rows(9), market_row("Z1", county="火星区")]
    result = loader.ingest(write_csv(tmp_path / "v.csv", rows))
    run = con.execute(
        "select source, file_sha256, success, expectations_evaluated, expectations_failed, "
        "rows_evaluated, rows_failed, failed_rules, data_docs_page from audit.validation_runs"
    ).fetchone()
    assert run[:3] == ("market_sampling", result.sha256, False)
    assert run[3] > 20 and run[4] == 1
    assert (run[5], run[6]) == (10, 1)
    assert json.loads(run[7]) == ["unknown_county"]
    assert run[8].endswith(".html")


def test_unknown_verdict_is_one_problem_not_two(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, *good_market_rows(9), market_row("U1", verdict="待定")]
    loader.ingest(write_csv(tmp_path / "u.csv", rows))
    reasons = con.execute("select rule, reason_zh, problems from audit.quarantine").fetchall()
    assert [r[0] for r in reasons] == ["invalid_verdict"]
    assert "矛盾" not in reasons[0][1] and len(json.loads(reasons[0][2])) == 1
