"""Numbers as departments type them: full-width, with separators, units and ND marks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingestion.contracts import common_rules
from ingestion.normalize.text import nfkc, squeeze

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LEADING_COMPARATOR = re.compile(r"^(?:≤|≥|<=|>=|=|~|约)")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: What may follow a number: a unit (letters, CJK, %, /), never more digits except the
#: power in m2/m3 (㎡ and m² become m2 under NFKC).
_UNIT = re.compile(r"^[^\d]*(?:m[23])?[^\d]*$")


@dataclass(frozen=True, slots=True)
class ParsedNumber:
    value: float | None
    below_detection: bool = False
    ok: bool = True


@cache
def _below_detection_words() -> frozenset[str]:
    return frozenset(squeeze(w).lower() for w in common_rules().below_detection)


def unit_in(value: str | None) -> str | None:
    """The unit typed after a number (`33家` → 家, `１００％` → %); None when there is none,
    or when the cell is no number at all (that is the number's problem, not the unit's)."""
    if value is None:
        return None
    text = _LEADING_COMPARATOR.sub("", _THOUSANDS.sub("", squeeze(value)))
    match = _NUMBER.match(text)
    if not match or not _UNIT.match(text[match.end() :]):
        return None
    return text[match.end() :] or None


def parse_number(value: str) -> ParsedNumber:
    """`0.79g/kg` → 0.79; `<0.01`, `未检出`, `ND` → below detection (no value).

    A leading ≤/≥ is read as the bound itself (`≤0.2` is a limit of 0.2).
    """
    text = squeeze(value)
    if not text:
        return ParsedNumber(None)
    if text.lower() in _below_detection_words() or text.startswith("<"):
        return ParsedNumber(None, below_detection=True)
    text = _LEADING_COMPARATOR.sub("", _THOUSANDS.sub("", text))
    match = _NUMBER.match(text)
    if not match or not _UNIT.match(text[match.end() :]):
        return ParsedNumber(None, ok=False)
    return ParsedNumber(float(match.group()))


_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "首": 1,
}
_ORDINAL = re.compile(r"^第?(\d+|[一二两三四五六七八九十首])次?(?:验收)?$")


def parse_integer(value: str) -> int | None:
    """Whole numbers, also as ordinals: `2`, `2.0`, `第2次`, `第二次`, `首次`."""
    text = nfkc(squeeze(value))
    match = _ORDINAL.match(text)
    if match:
        token = match.group(1)
        return int(token) if token.isdigit() else _CHINESE_DIGITS[token]
    parsed = parse_number(text)
    if parsed.ok and parsed.value is not None and float(parsed.value).is_integer():
        return int(parsed.value)
    return None
