"""County resolution from names, short names, codes and addresses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ingestion.contracts import common_rules, counties
from ingestion.normalize.text import squeeze

#: Words that stand for the whole city in indicator returns.
_CITY_WORDS = frozenset({"全市", "宜春市", "宜春", "全市合计", "合计"})


@dataclass(frozen=True)
class _Index:
    exact: dict[str, str]
    long_names: tuple[tuple[str, str], ...]  # (name, code), longest first
    short_names: tuple[tuple[str, str], ...]


@cache
def _index() -> _Index:
    exact: dict[str, str] = {}
    long_names: list[tuple[str, str]] = []
    short_names: list[tuple[str, str]] = []
    for county in counties():
        exact[county.county_code] = county.county_code
        for name in (county.name_zh, *county.variants):
            exact[squeeze(name)] = county.county_code
            (long_names if len(name) >= 3 else short_names).append(
                (squeeze(name), county.county_code)
            )
    long_names.sort(key=lambda p: -len(p[0]))
    return _Index(exact, tuple(long_names), tuple(short_names))


def _single(codes: set[str]) -> str | None:
    return next(iter(codes)) if len(codes) == 1 else None


def resolve_county(value: str, allow_city: bool = False) -> str | None:
    """The county code a cell names, or None when it names none or several.

    An exact name, short name or code wins; otherwise the text is searched as an address,
    full names first and two-character short names only when no full name is present.
    An address naming two different counties is not guessed.
    """
    text = squeeze(value)
    if not text:
        return None
    index = _index()
    if text in index.exact:
        return index.exact[text]
    if allow_city and (text in _CITY_WORDS or text == common_rules().city_code):
        return common_rules().city_code
    for names in (index.long_names, index.short_names):
        found = {code for name, code in names if name in text}
        if found:
            return _single(found)
    return None
