"""Market sampling: failed test items packed in one cell, and their consistency with the verdict."""

from __future__ import annotations

import re
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import ChildTable, Contract


@cache
def _splitters(
    contract_name: str, item_seps: tuple[str, ...], field_seps: tuple[str, ...]
) -> tuple[re.Pattern[str], re.Pattern[str]]:
    by_length = sorted(field_seps, key=len, reverse=True)  # "||" before "|"
    items = re.compile("|".join(re.escape(s) for s in item_seps) + r"|\r?\n")
    fields = re.compile("|".join(re.escape(s) for s in by_length))
    return items, fields


def parse_items(contract: Contract, text: str) -> list[tuple[str, str | None, str | None]]:
    """Items of one cell as (item, measured, limit).

    `吡虫啉║7.47mg/kg║≤0.2mg/kg；镉║0.3║0.2` gives two items.
    """
    fmt = contract.failed_items
    assert fmt is not None, f"{contract.name} has no failed_items format"
    items_re, fields_re = _splitters(contract.name, fmt.item_separators, fmt.field_separators)
    parsed = []
    for chunk in items_re.split(text):
        parts = [p.strip() for p in fields_re.split(chunk)]
        if not parts or not parts[0]:
            continue
        parts += [""] * (3 - len(parts))
        parsed.append((parts[0], parts[1] or None, "".join(parts[2:]) or None))
    return parsed


def split_failed_items(contract: Contract, child: ChildTable, table: pa.Table) -> pa.Table:
    ids, seqs, items, measured, limits, numbers = [], [], [], [], [], []
    has_text = pc.is_valid(table[child.from_column])
    subset = table.filter(has_text)
    for sample_id, text, number in zip(
        subset["sample_id"].to_pylist(),
        subset[child.from_column].to_pylist(),
        subset["_row_number"].to_pylist(),
        strict=True,
    ):
        for seq, (item, value, limit) in enumerate(parse_items(contract, text), start=1):
            ids.append(sample_id)
            seqs.append(seq)
            items.append(item)
            measured.append(value)
            limits.append(limit)
            numbers.append(number)
    return pa.table(
        {
            "sample_id": pa.array(ids, pa.string()),
            "item_seq": pa.array(seqs, pa.int32()),
            "item": pa.array(items, pa.string()),
            "measured_text": pa.array(measured, pa.string()),
            "limit_text": pa.array(limits, pa.string()),
            "_row_number": pa.array(numbers, pa.int32()),
        }
    )


def has_failed_items(contract: Contract, table: pa.Table) -> dict[str, pa.Array]:
    return {"_has_failed_items": pc.is_valid(table["failed_items_text"])}
