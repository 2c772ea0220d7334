"""Equivalence classes: the few distinct situations a batch's rows fall into, per check.

A row-level expectation's verdict on a row depends only on the values it reads. Rows with
equal values (or, for a text column checked only for presence and length, equal lengths)
get equal verdicts, so Great Expectations needs to see each class once. A million rows of
a month's sampling have a few hundred dates, fourteen counties and two verdicts: the
suite runs on a frame of a few hundred rows and the verdicts are mapped back to the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class ClassGroup:
    """Columns checked together, the class of every row, and one representative per class."""

    columns: tuple[str, ...]
    row_class: np.ndarray  # class id of every row of the batch
    representatives: dict[str, pa.Array]  # column -> value per class

    @property
    def size(self) -> int:
        return len(next(iter(self.representatives.values())))


def _encode(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Class id per row and the distinct values (null is a class of its own)."""
    encoded = pc.dictionary_encode(values, null_encoding="encode")
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64), encoded.dictionary


def value_group(column: str, values: pa.Array) -> ClassGroup:
    ids, distinct = _encode(values)
    if distinct.null_count == 0 and values.null_count:
        distinct = pa.concat_arrays([distinct, pa.nulls(1, distinct.type)])
    return ClassGroup((column,), ids, {column: distinct})


def length_group(column: str, values: pa.Array) -> ClassGroup:
    """Text checked only for presence and length: one class per length, plus null."""
    ids, lengths = _encode(pc.utf8_length(values))
    stand_ins = pa.array([None if n is None else "x" * n for n in lengths.to_pylist()], pa.string())
    return ClassGroup((column,), ids, {column: stand_ins})


def combined_group(columns: tuple[str, ...], table: pa.Table) -> ClassGroup:
    """Columns compared with each other: one class per distinct combination."""
    combined = np.zeros(table.num_rows, dtype=np.int64)
    parts = []
    for name in columns:
        ids, distinct = _encode(table[name])
        parts.append((ids, distinct))
        combined = combined * (len(distinct) + 1) + ids
    _, first, row_class = np.unique(combined, return_index=True, return_inverse=True)
    take = pa.array(first)
    representatives = {
        name: distinct.take(pa.array(ids).take(take))
        for name, (ids, distinct) in zip(columns, parts, strict=True)
    }
    return ClassGroup(columns, row_class.astype(np.int64), representatives)
