"""Reporting periods of indicator returns: a year, a quarter or a month."""

from __future__ import annotations

import re

from ingestion.normalize.text import squeeze

_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR = re.compile(r"^(\d{4})年?(?:度)?$")
_QUARTER = re.compile(r"^(\d{4})(?:年第?|-)?[Qq]?([1-4一二三四])(?:季度)?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


def parse_period(value: str) -> str | None:
    """A canonical period: '2025', '2025Q3' or '2025-09'.

    `2025年` is a year, `2025年第三季度` a quarter, `2025年9月` a month.
    """
    text = squeeze(value)
    if match := _YEAR.match(text):
        return match.group(1)
    if (match := _MONTH.match(text)) and 1 <= int(match.group(2)) <= 12:
        return f"{match.group(1)}-{int(match.group(2)):02d}"
    if (match := _QUARTER.match(text)) and ("季度" in text or "Q" in text.upper()):
        return f"{match.group(1)}Q{_QUARTER_WORDS[match.group(2)]}"
    return None
