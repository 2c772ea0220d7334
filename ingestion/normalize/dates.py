"""Dates in every form the contract lists, Excel serials included."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

from ingestion.contracts import common_rules
from ingestion.normalize.text import nfkc

# 2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, then anything (time, "(购进日期)", ...).
_SEPARATED = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?!\d)")
_SERIAL = re.compile(r"^\d{4,6}(?:\.\d+)?$")


@cache
def _epoch() -> date:
    return date.fromisoformat(common_rules().excel_epoch)


def _from_parts(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(value: str) -> date | None:
    """The date a cell holds, or None when it holds none.

    Only the start of the cell is read, so trailing times and notes are ignored; an Excel
    serial counts from 1899-12-30 and must fall in the contract's plausible range.
    """
    text = nfkc(value).strip()
    if not text:
        return None
    match = _SEPARATED.match(text)
    if match:
        return _from_parts(*match.groups())
    if _SERIAL.match(text):
        low, high = common_rules().excel_serial_range
        serial = float(text)
        if low <= serial <= high:
            return _epoch() + timedelta(days=int(serial))
    match = _COMPACT.match(text)
    if match:
        return _from_parts(*match.groups())
    return None


@cache
def earliest_plausible() -> date:
    return date.fromisoformat(common_rules().date_min)


#: `7日`, `7天`, `3个工作日`, `限期7日`, `15日内`: a span counted from another date of the row.
_RELATIVE = re.compile(r"^(?:限期)?(\d{1,3})\s*(?:个)?\s*(工作日|日|天)(?:内|之内)?$")


def parse_relative_days(value: str) -> tuple[int, bool] | None:
    """(days, working days?) of a span like `7日` or `3个工作日`; None when it is none."""
    found = _RELATIVE.match(nfkc(value).strip())
    if not found:
        return None
    return int(found.group(1)), found.group(2) == "工作日"


def add_days(start: date, days: int, working: bool) -> date:
    """`start` plus `days` calendar days, or `days` working days (Monday to Friday; a
    working-day span counts from the next day: 3 working days from a Friday end on Wednesday).
    Public holidays are not known here and count as working days."""
    if not working:
        return start + timedelta(days=days)
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current
