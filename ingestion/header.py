"""Finding the header row and mapping its cells to a contract's canonical columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from ingestion.contracts import Contract, all_contracts, common_rules, get_contract
from ingestion.errors import FileRejected
from ingestion.normalize.text import normalize_header

#: A trailing unit in brackets: 实际面积（平方米） → 实际面积, 总建筑面积(㎡) → 总建筑面积.
_TRAILING_UNIT = re.compile(r"\([^()]*\)$")
#: Fewer matched headers than this is not a header row.
MIN_MATCHES = 2


@cache
def _alias_table(contract_name: str) -> dict[str, str]:
    contract = get_contract(contract_name)
    table: dict[str, str] = {}
    for column in contract.columns:
        for alias in column.aliases:
            table.setdefault(normalize_header(alias), column.name)
    return table


@cache
def _correction_columns() -> tuple[frozenset[str], str]:
    """The correction workbook's columns the reader ignores, and its file-name mark."""
    marks = common_rules().correction_columns
    ignored = frozenset({normalize_header(marks.row_number), normalize_header(marks.reason)})
    return ignored, normalize_header(marks.from_file_name_mark)


def canonical_for(contract: Contract, header: str) -> str | None:
    """The canonical column a header names. A correction workbook sent back maps too: its
    原行号 and 问题说明 name nothing, and 抽检类型（由文件名判断） names 抽检类型."""
    return _canonical(contract.name, header)


@lru_cache(maxsize=1 << 16)
def _canonical(contract_name: str, header: str) -> str | None:
    """`canonical_for`, remembered: looking for the header tries every cell of every
    preview row against every contract (~3,000 cells for a small file), and a process that
    loads a chunk of files from one department meets the same cells file after file."""
    table = _alias_table(contract_name)
    key = normalize_header(header)
    ignored, file_name_mark = _correction_columns()
    if not key or key in ignored:
        return None
    key = key.removesuffix(file_name_mark) or key
    return table.get(key) or table.get(_TRAILING_UNIT.sub("", key))


@dataclass
class HeaderMatch:
    contract: Contract
    row_index: int
    header_cells: list[str]
    #: canonical column -> position in the row
    positions: dict[str, int] = field(default_factory=dict)
    #: canonical column -> further positions whose header names it too (two 抽样日期): the
    #: first is read; a row whose later cell says something else is quarantined (engine)
    duplicates: dict[str, list[int]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return len(self.header_cells)

    def header_text(self, column: str) -> str:
        """The header as the file wrote it, for messages; the canonical name when absent."""
        pos = self.positions.get(column)
        return self.header_cells[pos].strip() if pos is not None else column


def match_row(contract: Contract, cells: list[str], row_index: int) -> HeaderMatch:
    match = HeaderMatch(contract=contract, row_index=row_index, header_cells=cells)
    for pos, cell in enumerate(cells):
        canonical = canonical_for(contract, cell)
        if canonical and canonical not in match.positions:
            match.positions[canonical] = pos
        elif canonical:
            match.duplicates.setdefault(canonical, []).append(pos)
    return match


def _score(match: HeaderMatch) -> tuple[int, int]:
    required = sum(1 for c in match.contract.required_columns if c.name in match.positions)
    return len(match.positions), required


def _best(preview: list[list[str]], contracts: list[Contract]) -> HeaderMatch | None:
    best: HeaderMatch | None = None
    for row_index, cells in enumerate(preview):
        for contract in contracts:
            match = match_row(contract, cells, row_index)
            if best is None or _score(match) > _score(best):
                best = match
    return best if best is not None and len(best.positions) >= MIN_MATCHES else None


@cache
def _to_simplified():
    import opencc  # the dictionaries ship in the wheel: nothing is fetched

    return opencc.OpenCC("t2s")


def _reject_traditional(preview: list[list[str]], contracts: list[Contract]) -> None:
    """A table whose headers only match once written in simplified characters is a
    look-alike the contract names: the clerk is asked for simplified headers."""
    convert = _to_simplified().convert
    simplified = [[convert(cell) for cell in row] for row in preview]
    if simplified != preview and _best(simplified, contracts) is not None:
        raise FileRejected("traditional_headers")


def find_header(preview: list[list[str]], source: str | None = None) -> HeaderMatch:
    """The best (row, contract) pair in the preview, scored by matched then required columns.

    With `source` given only that contract is tried, but a file that plainly belongs to
    another source (its headers fit that source better) is reported as such.
    """
    detected = _best(preview, all_contracts())
    if source is None:
        if detected is not None:
            return detected
        if any(any(c.strip() for c in row) for row in preview):
            _reject_traditional(preview, all_contracts())
            raise FileRejected("unknown_source", str(len(preview)))
        raise FileRejected("empty")
    wanted = _best(preview, [get_contract(source)])
    if (
        detected is not None
        and detected.contract.name != source
        and (wanted is None or _score(detected) > _score(wanted))
    ):
        requested = get_contract(source)
        raise FileRejected(
            "wrong_source",
            f"{source} was requested, they look like {detected.contract.name}",
            f"指定的是“{requested.title_zh}”，表头更像“{detected.contract.title_zh}”",
        )
    if wanted is None:
        _reject_traditional(preview, [get_contract(source)])
        raise FileRejected("no_header", str(len(preview)))
    return wanted
