"""Indicator returns: what the plan's list says a code's name and unit are."""

from __future__ import annotations

import re

import pyarrow as pa

from ingestion.contracts import Contract, indicators
from ingestion.normalize.text import squeeze

_QUOTES_AND_PUNCT = re.compile(r"[\"'“”‘’「」《》()（）、,，.。·]")


def _loose(text: str | None) -> str | None:
    """Names compared without spaces, quotes or brackets (“小巨人” vs "小巨人")."""
    return None if text is None else _QUOTES_AND_PUNCT.sub("", squeeze(text))


def expected_indicator_name(contract: Contract, table: pa.Table) -> dict[str, pa.Array]:
    plan = indicators()
    codes = table["indicator_code"].to_pylist()
    expected = [plan[c].name_zh if c in plan else None for c in codes]
    return {
        "_expected_name": pa.array(expected, pa.string()),
        "_expected_name_loose": pa.array([_loose(e) for e in expected], pa.string()),
        "_name_loose": pa.array(
            [_loose(n) for n in table["indicator_name"].to_pylist()], pa.string()
        ),
    }


def expected_indicator_unit(contract: Contract, table: pa.Table) -> dict[str, pa.Array]:
    plan = indicators()
    codes = table["indicator_code"].to_pylist()
    return {
        "_expected_unit": pa.array(
            [(plan[c].unit or "") if c in plan else None for c in codes], pa.string()
        ),
        "_unit_norm": pa.array(
            [None if u is None else squeeze(u) for u in table["unit"].to_pylist()], pa.string()
        ),
    }
