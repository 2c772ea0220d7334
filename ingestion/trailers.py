"""Rows below the data that are not data: totals (合计), notes (注：) and sign-off lines
(填报人：…联系电话：…). The words are contract data (common.yaml `trailer_prefixes`).

A trailer row is recognised by its first non-empty cell, wherever the row sits below the
header: a 小计 between groups is no more a data row than a 合计 at the end.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import common_rules
from ingestion.normalize.folded_cells import folded_mask
from ingestion.normalize.text import squeeze


@cache
def _prefixes() -> tuple[str, ...]:
    return tuple(sorted({squeeze(p) for p in common_rules().trailer_prefixes}, key=len))


@cache
def _pattern() -> str:
    return "^(" + "|".join(re.escape(p) for p in _prefixes()) + ")" if _prefixes() else "^\x00$"


def is_trailer(cells: list[str]) -> bool:
    """Whether a row (its cells as text) is a total, note or sign-off line."""
    first = next((c for c in cells if c.strip()), None)
    return first is not None and squeeze(first).startswith(_prefixes())


def trailer_rows(table: pa.Table) -> np.ndarray:
    """A boolean mask of the table's trailer rows. The first non-empty cell is found column
    by column, stopping as soon as every row has one (in data, after the first column)."""
    n = table.num_rows
    if n == 0 or not _prefixes():
        return np.zeros(n, dtype=bool)
    first: pa.Array | None = None
    for column in table.columns:
        cells = column.combine_chunks()
        blank = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(cells)), 0)
        present = pc.if_else(pc.fill_null(blank, True), pa.scalar(None, pa.string()), cells)
        first = present if first is None else pc.coalesce(first, present)
        if first.null_count == 0:
            break
    assert first is not None
    pattern = _pattern()
    return folded_mask(
        first,
        lambda folded: pc.match_substring_regex(folded, pattern=pattern),
        any(p.isascii() for p in _prefixes()),
    )
