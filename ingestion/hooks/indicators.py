"""Indicator returns: what the plan's list says a code's name and unit are."""

from __future__ import annotations

import re

import pyarrow as pa

from ingestion.contracts import Contract, indicators
from ingestion.hooks.base import RAW_PREFIX
from ingestion.normalize.numbers import unit_in
from ingestion.normalize.text import squeeze

_QUOTES_AND_PUNCT = re.compile(r"[\"'“”‘’「」《》()（）、,，.。·]")
#: A bracketed suffix at the end of a name: 每万人口高价值发明专利拥有量（件）.
_SUFFIX = re.compile(r"[（(]([^()（）]*)[)）]\s*$")


def _without_unit(name: str | None, unit: str | None) -> str | None:
    """The name without a trailing bracketed unit when that unit is the indicator's own
    (the contract: `（件）` after the name is no mismatch; `（试行）` still is)."""
    if name is None or not unit:
        return name
    found = _SUFFIX.search(name)
    if found and squeeze(found.group(1)) == squeeze(unit):
        return name[: found.start()]
    return name


def _loose(text: str | None) -> str | None:
    """Names compared without spaces, quotes or brackets (“小巨人” vs "小巨人")."""
    return None if text is None else _QUOTES_AND_PUNCT.sub("", squeeze(text))


def expected_indicator_name(
    contract: Contract, table: pa.Table, params: None
) -> dict[str, pa.Array]:
    plan = indicators()
    codes = table["indicator_code"].to_pylist()
    expected = [plan[c].name_zh if c in plan else None for c in codes]
    units = [plan[c].unit if c in plan else None for c in codes]
    names = table["indicator_name"].to_pylist()
    return {
        "_expected_name": pa.array(expected, pa.string()),
        "_expected_name_loose": pa.array([_loose(e) for e in expected], pa.string()),
        "_name_loose": pa.array(
            [_loose(_without_unit(n, u)) for n, u in zip(names, units, strict=True)],
            pa.string(),
        ),
    }


def expected_indicator_unit(
    contract: Contract, table: pa.Table, params: None
) -> dict[str, pa.Array]:
    """The indicator's unit beside the unit column and the unit typed in the value cell
    (`33家` is read when 家 is the indicator's unit; `3人` is a unit mismatch)."""
    plan = indicators()
    codes = table["indicator_code"].to_pylist()
    raw_values = (
        table[f"{RAW_PREFIX}value"].to_pylist()
        if f"{RAW_PREFIX}value" in table.column_names
        else [None] * len(codes)
    )
    expected = pa.array([(plan[c].unit or "") if c in plan else None for c in codes], pa.string())
    return {
        "_expected_unit": expected,
        "_unit_norm": pa.array(
            [None if u is None else squeeze(u) for u in table["unit"].to_pylist()], pa.string()
        ),
        # compared in a pair of its own: the suite sees each column in one pair only
        "_value_unit": pa.array([unit_in(v) for v in raw_values], pa.string()),
        "_expected_value_unit": expected,
    }
