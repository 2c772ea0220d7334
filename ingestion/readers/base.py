"""The shape every reader produces."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa

#: Rows per batch handed to the engine: bounds memory for files of any length. About five
#: batches are in flight at once (read ahead, parsed ahead, judged, inserted), so this sets
#: most of a large load's peak: a 2M-row wide file peaked at 1.95 GB with 262,144 rows,
#: 1.45 GB with 131,072 and 1.18 GB with 65,536, where the suite's fixed cost per batch
#: with new classes doubled the validation stage (benchmarks/README.md, issue 16).
BATCH_ROWS = 131_072


@dataclass
class RawBatch:
    """Text cells of consecutive data rows, columns named c0..cN by position.

    `row_numbers` are the rows' numbers as a clerk sees them (1-based, counting the title
    and header rows above). `malformed` holds rows whose cell count did not fit the header:
    (row number, the row's text, what was wrong, its cells).
    """

    table: pa.Table
    row_numbers: pa.Array
    malformed: list[tuple[int, str, str, list[str]]]


class RestartExact(Exception):
    """The fast reader met a row it cannot place; read the table again with `exact=True`.

    Whatever the consumer did with earlier batches of this table must be undone first.
    """


@dataclass
class RawTable:
    """One table in a file: a CSV, or one sheet of a workbook."""

    name: str | None
    preview: list[list[str]]
    #: batches(header_index, width, exact=False) streams the rows after preview[header_index]
    batches: Callable[..., Iterator[RawBatch]]


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def rows_to_batch(
    rows: list[list[str]],
    numbers: list[int],
    width: int,
    malformed: list[tuple[int, str, str, list[str]]],
) -> RawBatch:
    columns = [
        pa.array([r[i] if i < len(r) else "" for r in rows], pa.string()) for i in range(width)
    ]
    return RawBatch(
        table=pa.table(columns, names=column_names(width)),
        row_numbers=pa.array(numbers, pa.int32()),
        malformed=malformed,
    )
