"""Text normalisation shared by headers and cells."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from ingestion.contracts import common_rules

_WHITESPACE = re.compile(r"\s+")
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


def clean_text(value: str | None) -> str | None:
    """A text cell as stored: NFKC, trimmed, placeholders to None."""
    if value is None:
        return None
    text = nfkc(value).strip()
    if squeeze(text) in _placeholders():
        return None
    return text
