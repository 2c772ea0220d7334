"""A header repeated below the first (two tables pasted one under the other) re-maps the
columns that follow it: its columns may come in another order.

The batches of a table pass through here before the engine: rows after a re-ordered header
are put back into the first header's column order, so one plan reads the whole table, and
the repeated header row itself becomes a copy of the first header (the engine counts it as
skipped). A repeated header that brings a contract column the first header lacks cannot be
read with the first header's plan; the file is rejected with a sentence saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.errors import FileRejected
from ingestion.header import MIN_MATCHES, HeaderMatch, match_row
from ingestion.normalize.folded_cells import folded_hits
from ingestion.normalize.text import normalize_header
from ingestion.readers.base import RawBatch

#: For each column of the first header, the column of the batch to read it from (None:
#: the later table has no such column).
Layout = list[int | None]


@cache
def _header_words(contract_name: str) -> pa.Array:
    from ingestion.contracts import get_contract

    contract = get_contract(contract_name)
    return pa.array(sorted({normalize_header(a) for c in contract.columns for a in c.aliases}))


@cache
def _any_ascii_word(contract_name: str) -> bool:
    return any(word.isascii() for word in _header_words(contract_name).to_pylist())


def _header_word_cells(cells: pa.Array, contract_name: str) -> pa.Array:
    """Indices of the cells that read as one of the contract's header words once folded as
    headers are (see ingestion.normalize.folded_cells)."""
    words = _header_words(contract_name)
    return folded_hits(
        cells, lambda folded: pc.is_in(folded, value_set=words), _any_ascii_word(contract_name)
    )


def remap_repeated_headers(batches: Iterator[RawBatch], match: HeaderMatch) -> Iterator[RawBatch]:
    """The batches with every row in the first header's column order."""
    width = match.width
    identity: Layout = list(range(width))
    layout = identity
    for batch in batches:
        heads = _header_rows(batch, match)
        if not heads and layout == identity:
            yield batch
            continue
        pieces: list[pa.Table] = []
        start = 0
        for index, new_layout in heads:
            pieces.append(_arranged(batch.table.slice(start, index - start), layout))
            pieces.append(_header_copy(match, batch.table.schema))
            layout, start = new_layout, index + 1
        pieces.append(_arranged(batch.table.slice(start), layout))
        table = pa.concat_tables(pieces).combine_chunks()
        yield RawBatch(table, batch.row_numbers, batch.malformed)


def _header_rows(batch: RawBatch, match: HeaderMatch) -> list[tuple[int, Layout]]:
    """(index, layout after it) of each header row in the batch, found cheaply: a header
    row holds a header word in the column where the first header had its first columns."""
    table = batch.table
    candidates: set[int] = set()
    for position in list(match.positions.values())[:2]:
        if position >= table.num_columns:
            continue
        cells = table.column(position).combine_chunks()
        candidates.update(_header_word_cells(cells, match.contract.name).to_pylist())
    found = []
    for index in sorted(candidates):
        cells = [table.column(c)[index].as_py() or "" for c in range(table.num_columns)]
        again = match_row(match.contract, cells, match.row_index)
        if len(again.positions) < MIN_MATCHES:
            continue  # a data cell that happens to read like a header word
        number = batch.row_numbers[index].as_py()
        found.append((index, _layout(match, again, number)))
    return found


def _layout(first: HeaderMatch, again: HeaderMatch, row_number: int) -> Layout:
    new = sorted(set(again.positions) - set(first.positions))
    if new:
        names = ", ".join(again.header_text(c) for c in new)
        raise FileRejected("header_changed", f"{row_number}: {names}")
    by_text = {normalize_header(c): q for q, c in enumerate(again.header_cells) if c.strip()}
    layout: Layout = []
    canonical_at = {p: c for c, p in first.positions.items()}
    for p, cell in enumerate(first.header_cells):
        column = canonical_at.get(p)
        if column is not None:
            layout.append(again.positions.get(column))
        else:
            layout.append(by_text.get(normalize_header(cell)) if cell.strip() else p)
    return layout


def _arranged(table: pa.Table, layout: Layout) -> pa.Table:
    if layout == list(range(table.num_columns)):
        return table
    empty = pa.array([""] * table.num_rows, pa.string())
    columns = [
        table.column(q) if q is not None and q < table.num_columns else empty for q in layout
    ]
    return pa.table(columns, schema=table.schema)


def _header_copy(match: HeaderMatch, schema: pa.Schema) -> pa.Table:
    cells = (match.header_cells + [""] * len(schema))[: len(schema)]
    return pa.table([pa.array([c], pa.string()) for c in cells], schema=schema)
