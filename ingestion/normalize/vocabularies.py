"""Enumerated values (sampling type, test method, scale class) and indicator codes."""

from __future__ import annotations

from functools import cache

from ingestion.contracts import ColumnSpec, indicators
from ingestion.normalize.text import squeeze


@cache
def _lookup(vocabulary: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, str]:
    return {
        squeeze(word).casefold(): canonical for canonical, words in vocabulary for word in words
    }


def parse_enum(column: ColumnSpec, value: str) -> str | None:
    assert column.vocabulary is not None
    return _lookup(tuple(column.vocabulary.items())).get(squeeze(value).casefold())


def allowed_words(column: ColumnSpec) -> str:
    assert column.vocabulary is not None
    return "、".join(
        w for words in column.vocabulary.values() for w in words if w.isascii() is False
    )


def parse_indicator_code(value: str) -> str | None:
    code = squeeze(value).upper()
    return code if code in indicators() else None
