"""Indicator returns: name and unit must be those of the code in the plan's list."""

from __future__ import annotations

import re
from functools import cache

import pyarrow as pa

from ingestion.contracts import Contract, indicators
from ingestion.normalize.text import squeeze
from ingestion.problems import encode

_QUOTES_AND_PUNCT = re.compile(r"[\"'“”‘’「」《》()（）、,，.。·]")


def _loose(text: str) -> str:
    return _QUOTES_AND_PUNCT.sub("", squeeze(text))


@cache
def _expected_names() -> dict[str, str]:
    return {code: _loose(i.name_zh) for code, i in indicators().items()}


def indicator_name_matches_code(contract: Contract, table: pa.Table) -> list[tuple[str, pa.Array]]:
    expected = _expected_names()
    out = []
    for code, name in zip(
        table["indicator_code"].to_pylist(), table["indicator_name"].to_pylist(), strict=True
    ):
        if code is None or name is None or _loose(name) == expected[code]:
            out.append(None)
        else:
            out.append(encode("indicator_name_mismatch", indicators()[code].name_zh))
    return [("indicator_name", pa.array(out, pa.string()))]


def indicator_unit_matches(contract: Contract, table: pa.Table) -> list[tuple[str, pa.Array]]:
    out = []
    for code, unit in zip(
        table["indicator_code"].to_pylist(), table["unit"].to_pylist(), strict=True
    ):
        want = indicators()[code].unit if code else None
        if code is None or (want or "") == squeeze(unit or "") or (not want and unit is None):
            out.append(None)
        else:
            out.append(encode("unit_mismatch", want or "无 / none"))
    return [("unit", pa.array(out, pa.string()))]


__all__ = ["indicator_name_matches_code", "indicator_unit_matches"]
