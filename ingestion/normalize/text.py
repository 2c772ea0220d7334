"""Text normalisation shared by headers and cells."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from ingestion.contracts import common_rules

_WHITESPACE = re.compile(r"\s+")
#: Control characters no consumer wants in text: C0 except tab, line feed and carriage return
#: (a line break inside a cell is the clerk's), DEL and C1. PostgreSQL refuses NUL in any
#: text value, so one NUL in a cell that validated would block every publication.
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_CONTROL = re.compile(CONTROL_CHARS)
#: The failed-items separators are also written inside header cells; fold them to one.
_ITEM_SEPARATORS_IN_HEADER = re.compile(r"‖|\|\||[|｜丨]")


def nfkc(value: str) -> str:
    """Full-width digits, letters and punctuation to their plain forms (０.０２ → 0.02)."""
    return unicodedata.normalize("NFKC", value)


def squeeze(value: str) -> str:
    """NFKC and every kind of whitespace removed, incl. line breaks inside a cell."""
    return _WHITESPACE.sub("", nfkc(value))


def normalize_header(value: str) -> str:
    return _ITEM_SEPARATORS_IN_HEADER.sub("║", squeeze(value))


@cache
def _placeholders() -> frozenset[str]:
    return frozenset(squeeze(p) for p in common_rules().placeholders)


def is_placeholder(value: str) -> bool:
    return squeeze(value) in _placeholders()


def strip_control(value: str) -> str:
    """The text without control characters (see CONTROL_CHARS): 芹\x00菜 -> 芹菜."""
    return _CONTROL.sub("", value)


def clean_text(value: str | None) -> str | None:
    """A text cell as stored: control characters removed, NFKC, trimmed, placeholders to None."""
    if value is None:
        return None
    text = nfkc(strip_control(value)).strip()
    if squeeze(text) in _placeholders():
        return None
    return text
