"""Alerts that could not reach the outbox, kept as files until the next sender run.

Only the failure callback needs this: a task can fail while another process holds the
DuckDB warehouse (one writer at a time), and a pipeline failure must still be told. The
callback then sends straight away and writes each delivery, sent or not, to
`<build>/alerts/spool/<delivery_id>.json`; `send_pending` moves spooled deliveries into the
outbox first (already sent ones as delivered, keyed like any other, so never twice), then
deletes the files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb

from alerts import outbox
from alerts.outbox import Delivery

log = logging.getLogger(__name__)


def spool_dir() -> Path:
    from qcity.settings import build_dir

    return build_dir() / "alerts" / "spool"


def write(rows: Iterable[Delivery], directory: Path | None = None) -> list[Path]:
    """One file per delivery, written whole or not at all (rename into place)."""
    directory = directory or spool_dir()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for row in rows:
        path = directory / f"{row.delivery_id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(row.record(), ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


def import_spooled(con: duckdb.DuckDBPyConnection, directory: Path | None = None) -> int:
    """Move spooled deliveries into the outbox; returns how many were new there."""
    directory = directory or spool_dir()
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not files:
        return 0
    rows = []
    for path in files:
        try:
            rows.append(Delivery.from_record(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError) as exc:
            log.error("unreadable spooled alert %s left in place: %s", path, exc)
            files.remove(path)
    new = outbox.insert(con, rows)
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return new
