"""Right department, always: a file's kind comes from its headers even when it is rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MARKET_HEADER, good_market_rows, write_csv


def _without(column: str) -> tuple[list[str], list[list[str]]]:
    position = MARKET_HEADER.index(column)
    header = [h for i, h in enumerate(MARKET_HEADER) if i != position]
    rows = [[c for i, c in enumerate(r) if i != position] for r in good_market_rows(5)]
    return header, rows


@pytest.mark.parametrize(
    ("name", "column", "rule"),
    [
        ("抽检信息.csv", "食品名称", "missing_required_columns"),
        ("抽检信息.csv", "抽检类型", "undecidable_from_name"),
    ],
)
def test_a_rejected_market_file_goes_to_market_regulation(
    loader, con, tmp_path: Path, name: str, column: str, rule: str
) -> None:
    header, rows = _without(column)
    result = loader.ingest(write_csv(tmp_path / name, [header, *rows]))
    assert (result.status, result.reject_rule, result.source) == (
        "rejected",
        rule,
        "market_sampling",
    )
    departments = {
        r[0] for r in con.execute("select department_code from audit.alert_outbox").fetchall()
    }
    assert departments == {"YC_MARKET_REGULATION"}
    manifest_source = con.execute("select source from audit.file_manifest").fetchone()[0]
    assert manifest_source == "market_sampling"
