"""``write_market_sampling_csv``: the single large file benchmarks load."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

from ingestion.contracts import common_rules
from sample_data import ExpectedRates, write_market_sampling_csv

FIRST, LAST = date(2025, 1, 1), date(2025, 10, 31)
EPOCH = date(1899, 12, 30)


def _parse(text: str) -> date:
    """The date spellings the generator writes (a test-side parser, not the reader's)."""
    text = text.split("(")[0].split(" ")[0]
    if text.isdigit():
        return EPOCH + timedelta(days=int(text))
    y, m, d = (int(x) for x in re.split(r"[-/.年月日]", text)[:3])
    return date(y, m, d)


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_title_row_above_the_header(tmp_path: Path) -> None:
    entry = write_market_sampling_csv(tmp_path / "big.csv", 500, seed=3)
    rows = _rows(tmp_path / "big.csv")
    assert rows[0][0].startswith("宜春市市场监督管理局") and not any(rows[0][1:])
    header = next(i for i, r in enumerate(rows) if "抽样编号" in r)
    assert header >= 1
    assert len(rows) - header - 1 == entry.rows_read == entry.rows_loaded == 500


def test_clean_file_has_no_defects_and_counts_every_sample(tmp_path: Path) -> None:
    expected = ExpectedRates()
    entry = write_market_sampling_csv(tmp_path / "big.csv", 3000, seed=4, expected=expected)
    assert entry.rows_quarantined == 0 and not entry.row_defects
    rates = expected.to_json()
    total = sum(
        rates[code]["360900"]["2025"]["total"]
        for code in ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "QUAL_MFG_PRODUCT_PASS_RATE")
    )
    assert total == 3000


def test_dates_are_never_in_the_future(tmp_path: Path) -> None:
    write_market_sampling_csv(tmp_path / "big.csv", 3000, seed=5)
    rows = _rows(tmp_path / "big.csv")
    header = next(i for i, r in enumerate(rows) if "抽样编号" in r)
    blank = {p.strip() for p in common_rules().placeholders}
    date_columns = [i for i, h in enumerate(rows[header]) if "日期" in h and "批号" not in h]
    assert len(date_columns) == 2
    for row in rows[header + 1 :]:
        for i in date_columns:
            if row[i].strip() not in blank:
                assert FIRST <= _parse(row[i]) <= LAST, row[i]


def test_defects_on_request(tmp_path: Path) -> None:
    entry = write_market_sampling_csv(tmp_path / "big.csv", 2000, seed=6, defect_share=0.05)
    assert entry.rows_read == 2000
    assert 0.04 < sum(entry.row_defects.values()) / 2000 < 0.08
    assert entry.rows_read == entry.rows_loaded + entry.rows_quarantined
