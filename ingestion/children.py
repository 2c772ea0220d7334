"""Child tables: the items packed in one cell of a parent row, one child row per item.

Which cell, which separators and which fields are the contract's (`child_tables`); this
module only splits. Nothing here knows a source.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import ChildTable


@cache
def _splitters(
    item_seps: tuple[str, ...], field_seps: tuple[str, ...]
) -> tuple[re.Pattern[str], re.Pattern[str]]:
    by_length = sorted(field_seps, key=len, reverse=True)  # "||" before "|"
    items = re.compile("|".join(re.escape(s) for s in item_seps) + r"|\r?\n")
    fields = re.compile("|".join(re.escape(s) for s in by_length))
    return items, fields


def split_items(child: ChildTable, text: str) -> list[tuple[str | None, ...]]:
    """The items of one cell, each as one value per field of the child table.

    `吡虫啉║7.47mg/kg║≤0.2mg/kg；镉║0.3║0.2` gives two items of three fields. An item with
    fewer parts leaves the later fields empty; the last field takes any parts beyond it.
    """
    items_re, fields_re = _splitters(child.item_separators, child.field_separators)
    width = len(child.fields)
    parsed: list[tuple[str | None, ...]] = []
    for chunk in items_re.split(text):
        parts = [p.strip() for p in fields_re.split(chunk)]
        if not parts or not parts[0]:
            continue
        parts += [""] * (width - len(parts))
        values = [*parts[: width - 1], "".join(parts[width - 1 :])]
        parsed.append(tuple(v or None for v in values))
    return parsed


def child_rows(child: ChildTable, parents: pa.Table) -> pa.Table:
    """One row per item of every parent row whose `from_column` is filled.

    Each distinct cell is split once and its items are gathered for every row that holds
    it: a month's failed samples repeat a few hundred item texts over thousands of rows."""
    subset = parents.filter(pc.is_valid(parents[child.from_column]))
    encoded = pc.dictionary_encode(subset[child.from_column]).combine_chunks()
    split = [split_items(child, text) for text in encoded.dictionary.to_pylist()]
    per_text = np.array([len(items) for items in split], dtype=np.int64)
    first_item = np.cumsum(per_text) - per_text  # where each text's items start in `flat`
    text_of_row = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    items_of_row = per_text[text_of_row]
    row = np.repeat(np.arange(len(text_of_row)), items_of_row)
    start_of_row = np.repeat(np.cumsum(items_of_row) - items_of_row, items_of_row)
    sequence = np.arange(len(row)) - start_of_row  # 0-based place of the item in its cell
    item = pa.array(first_item[text_of_row[row]] + sequence)
    rows = pa.array(row)
    flat = [values for items in split for values in items]
    columns = {k.name: subset[k.name].take(rows) for k in child.key}
    columns[child.sequence] = pa.array(sequence + 1, pa.int32())
    for position, name in enumerate(child.fields):
        columns[name] = pa.array([values[position] for values in flat], pa.string()).take(item)
    columns["_row_number"] = subset["_row_number"].take(rows).cast(pa.int32())
    return pa.table(columns)
