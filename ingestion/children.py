"""Child tables: the items packed in one cell of a parent row, one child row per item.

Which cell, which separators and which fields are the contract's (`child_tables`); this
module only splits. Nothing here knows a source.
"""

from __future__ import annotations

import re
from functools import cache

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
    """One row per item of every parent row whose `from_column` is filled."""
    subset = parents.filter(pc.is_valid(parents[child.from_column]))
    keys = [k.name for k in child.key]
    out: dict[str, list] = {name: [] for name in [*keys, child.sequence, *child.fields]}
    out["_row_number"] = []
    key_values = [subset[k].to_pylist() for k in keys]
    texts = subset[child.from_column].to_pylist()
    numbers = subset["_row_number"].to_pylist()
    for index, text in enumerate(texts):
        for seq, item in enumerate(split_items(child, text), start=1):
            for k, values in zip(keys, key_values, strict=True):
                out[k].append(values[index])
            out[child.sequence].append(seq)
            for name, value in zip(child.fields, item, strict=True):
                out[name].append(value)
            out["_row_number"].append(numbers[index])
    types = {k: subset.schema.field(k).type for k in keys}
    types |= {child.sequence: pa.int32(), "_row_number": pa.int32()}
    return pa.table(
        {name: pa.array(values, types.get(name, pa.string())) for name, values in out.items()}
    )
