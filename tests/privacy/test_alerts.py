"""Alerts go to inboxes and group chats: a quarantined cell they quote is masked.

Only the sending department's correction workbook shows rows as sent (export-templates.md,
"Personal data"); the alert's rules and first rows show the same cells masked.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from alerts import outbox
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv
from warehouse.load import Loader

PLANTED = ("13812345001", "138-1234-5002", "36010219900101123X", "郑十")


def test_alert_payloads_quote_no_personal_data(
    tmp_path: Path, loader: Loader, con: duckdb.DuckDBPyConnection
) -> None:
    bad = [
        market_row("P1", county="13812345001"),
        market_row("P2", county="联系人郑十 138-1234-5002"),
        market_row("P3", date="36010219900101123X"),
    ]
    path = write_csv(tmp_path / "抽检.csv", [MARKET_HEADER, *good_market_rows(20), *bad])
    result = loader.ingest(path)
    assert result.rows_quarantined == 3
    sent_as_is = con.execute("select string_agg(value, '|') from audit.quarantine").fetchone()[0]
    assert "13812345001" in sent_as_is  # audit keeps what was sent
    [delivery] = outbox.deliveries(con)
    text = json.dumps(delivery.payload, ensure_ascii=False) + delivery.subject
    assert [p for p in PLANTED if p in text] == []
    assert "[手机号]" in text and "[身份证号]" in text
