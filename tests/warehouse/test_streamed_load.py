"""A file of many batches: streamed into one INSERT, still all of its rows or none.

The batch size is made small so that a few hundred rows span several batches, the case
where a problem found in a later batch must undo what earlier batches already streamed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ingestion.pipeline
import ingestion.readers.csv
from ingestion.errors import FileRejected
from ingestion.readers.base import RestartExact
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from tests.warehouse.test_rejections import raw_counts

BATCH = 100


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingestion.readers.csv, "BATCH_ROWS", BATCH)


def test_rows_over_many_batches_load_once_each(tmp_path: Path, loader, con) -> None:
    rows = [MARKET_HEADER, *good_market_rows(450)]
    rows[120] = market_row("BAD1", date="not a date")
    rows[333] = market_row("BAD2", verdict="合格", items="铅║1.2║≤0.5")
    result = loader.ingest(write_csv(tmp_path / "many.csv", rows))
    assert (result.status, result.rows_read) == ("loaded", 450)
    assert (result.rows_loaded, result.rows_quarantined) == (448, 2)
    loaded = con.execute(
        "select count(*), count(distinct _row_number), min(_row_number), max(_row_number) "
        "from raw.market_sampling"
    ).fetchone()
    assert loaded == (448, 448, 2, 451)
    assert con.execute("select row_number from audit.quarantine order by 1").fetchall() == [
        (121,),
        (334,),
    ]


def test_failed_items_of_every_batch_land_in_the_child_table(tmp_path: Path, loader, con) -> None:
    failing = [market_row(f"F{i:03d}", "不合格", "铅║1.2║≤0.5") for i in range(250)]
    result = loader.ingest(write_csv(tmp_path / "fails.csv", [MARKET_HEADER, *failing]))
    assert (result.status, result.rows_loaded) == ("loaded", 250)
    assert con.execute(
        "select count(*), count(distinct _row_number) from raw.market_sampling_failed_items"
    ).fetchone() == (250, 250)


def test_misfit_row_in_a_later_batch_restarts_with_the_exact_reader(
    tmp_path: Path, loader, con
) -> None:
    rows = [MARKET_HEADER, *good_market_rows(350)]
    rows[301] = [*market_row("WIDE"), "extra", "cells"]
    result = loader.ingest(write_csv(tmp_path / "misfit.csv", rows))
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 350, 349)
    assert con.execute("select row_number, rule from audit.quarantine").fetchall() == [
        (302, "malformed_row")
    ]
    assert con.execute(
        "select count(*), count(distinct _row_number) from raw.market_sampling"
    ).fetchone() == (349, 349)


def test_restart_after_rows_were_streamed_loads_each_row_once(
    tmp_path: Path, loader, con, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast reader may only find out in batch n that the exact reader must take over."""
    rows = [MARKET_HEADER, *good_market_rows(350)]
    rows[50] = market_row("BAD1", date="not a date")
    parse = ingestion.pipeline.parse_batch
    calls: list[bool] = []

    def restart_once_on_third_batch(plan, raw):
        calls.append(True)
        if len(calls) == 3:
            raise RestartExact
        return parse(plan, raw)

    monkeypatch.setattr(ingestion.pipeline, "parse_batch", restart_once_on_third_batch)
    result = loader.ingest(write_csv(tmp_path / "restart.csv", rows))
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 350, 349)
    assert len(calls) > 4  # it did start over
    assert con.execute(
        "select count(*), count(distinct _row_number) from raw.market_sampling"
    ).fetchone() == (349, 349)
    assert con.execute("select row_number from audit.quarantine").fetchall() == [(51,)]


@pytest.mark.parametrize("stage", ["parse_batch", "judge_batch"])  # read-ahead thread, loader
def test_rejection_in_a_later_batch_undoes_the_earlier_ones(
    tmp_path: Path, loader, con, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    rows = [MARKET_HEADER, *good_market_rows(350)]
    rows[50] = market_row("BAD1", date="not a date")
    real = getattr(ingestion.pipeline, stage)
    seen: list[bool] = []

    def fail_on_third_batch(*args):
        seen.append(True)
        if len(seen) == 3:
            raise FileRejected("unreadable", "broken in the middle")
        return real(*args)

    monkeypatch.setattr(ingestion.pipeline, stage, fail_on_third_batch)
    before = raw_counts(con)
    result = loader.ingest(write_csv(tmp_path / "broken.csv", rows))
    assert (result.status, result.reject_rule) == ("rejected", "unreadable")
    assert "broken in the middle" in result.error
    assert raw_counts(con) == before
    # the rows quarantined before the rejection still reach the clerk's workbook
    assert [r["row_number"] for r in result.rejected_rows] == [51]
    assert con.execute(
        "select status, rows_loaded from audit.file_manifest where load_id = ?",
        [result.load_id],
    ).fetchone() == ("rejected", 0)
    again = loader.ingest(write_csv(tmp_path / "whole.csv", [MARKET_HEADER, *good_market_rows(5)]))
    assert again.status == "loaded"  # the connection is usable after the aborted statement


def test_each_class_is_judged_by_the_suite_once_per_file(
    tmp_path: Path, loader, con, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Later batches repeating known values reuse the suite's verdicts; new values get a run."""
    from ingestion.validation.runner import FileValidator

    runs: list[str] = []
    real_run = FileValidator._run

    def counted(self, suite, frame, result_format):
        runs.append(suite.name)
        return real_run(self, suite, frame, result_format)

    monkeypatch.setattr(FileValidator, "_run", counted)
    rows = [MARKET_HEADER, *good_market_rows(450)]
    rows[20] = market_row("C0001", county="火星区")  # batch 1
    rows[320] = market_row("C0002", county="火星区")  # batch 4: a known class
    rows[250] = market_row("K0001", kind="外星抽检")  # batch 3: a new one
    result = loader.ingest(write_csv(tmp_path / "classes.csv", rows))
    assert con.execute(
        "select row_number, rule, column_name from audit.quarantine order by 1"
    ).fetchall() == [
        (21, "unknown_county", "county_code"),
        (251, "unknown_value", "sampling_type"),
        (321, "unknown_county", "county_code"),
    ]
    assert runs.count("market_sampling.rows") == 2  # batches 1 and 3 of 5
    failed = {
        r.expectation_config.meta["rule"]: (
            r.result["unexpected_count"],
            r.result["partial_unexpected_list"],
        )
        for r in result.validation.result.results
        if not r.success
    }
    assert failed == {"unknown_county": (2, ["火星区"]), "unknown_value": (1, ["外星抽检"])}
