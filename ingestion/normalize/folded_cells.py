"""Whole columns compared with a few words once folded as headers are (`squeeze`: NFKC,
no whitespace), vectorised: a header repeated below the first, a totals or sign-off row.

Folding is the dear part of those searches (Unicode normalisation of every cell of a
column on every batch), so it runs once per distinct value, and not at all on ASCII cells
when no word sought is ASCII: NFKC leaves ASCII as it is, so such a cell cannot fold into
a Chinese word. The words of these searches are Chinese (contract data); an ASCII word
makes every cell a candidate again, with the same result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Given the folded text of some cells, a boolean each: is it one of the words sought?
FoldedTest = Callable[[pa.Array], pa.Array]


def fold(cells: pa.Array) -> pa.Array:
    """`ingestion.normalize.text.squeeze`, over an Arrow array."""
    return pc.replace_substring_regex(
        pc.utf8_normalize(cells, form="NFKC"), pattern=r"\s+", replacement=""
    )


def folded_hits(
    cells: pa.Array | pa.ChunkedArray, test: FoldedTest, ascii_may_pass: bool
) -> pa.Array:
    """Indices of the cells whose folded text passes `test` (a null cell never does)."""
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    positions = None
    if not ascii_may_pass:
        positions = pc.indices_nonzero(pc.fill_null(pc.invert(pc.string_is_ascii(cells)), False))
        cells = pc.take(cells, positions)
    encoded = pc.dictionary_encode(cells)
    passed = pc.fill_null(test(fold(encoded.dictionary)), False)
    hits = pc.indices_nonzero(pc.fill_null(pc.take(passed, encoded.indices), False))
    return hits if positions is None else pc.take(positions, hits)


def folded_mask(
    cells: pa.Array | pa.ChunkedArray, test: FoldedTest, ascii_may_pass: bool
) -> np.ndarray:
    """`folded_hits` as a boolean mask over the cells."""
    mask = np.zeros(len(cells), dtype=bool)
    mask[folded_hits(cells, test, ascii_may_pass).to_numpy()] = True
    return mask
