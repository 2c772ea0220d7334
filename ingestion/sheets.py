"""Which tables of a file load, under which source, and what the rest are.

Every sheet of a workbook is read on its own, with its own header row. A sheet whose header
matches a source loads under that source, even when the file was sent as another source's
(a workbook of market sampling with the agriculture table beside it); it takes at least one
sheet of the requested source for the file to be that source's. Sheets without a header are
never dropped silently: an empty sheet and an instructions sheet (`说明`, names in
common.yaml) are noted as skipped, a sheet with content but no recognisable header is named
as unrecognised in the manifest and the correction workbook, with its row count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingestion.contracts import common_rules
from ingestion.errors import FileRejected
from ingestion.header import HeaderMatch, find_header
from ingestion.normalize.text import squeeze
from ingestion.readers.base import RawTable
from ingestion.skips import Skip

#: Rejections that mean "this table has no header of any source".
_NO_TABLE = frozenset({"empty", "no_header", "unknown_source"})


@dataclass
class FileSheets:
    #: the tables that load, in file order, each with its header
    data: list[tuple[RawTable, HeaderMatch]] = field(default_factory=list)
    #: the tables that do not, and why
    notes: list[Skip] = field(default_factory=list)


def classify(tables: list[RawTable], source: str | None) -> FileSheets:
    """The file's tables sorted into data and notes; raises when no table is data."""
    preview_rows = common_rules().header_scan_rows
    sheets = FileSheets()
    errors: list[FileRejected] = []
    other_source: list[tuple[RawTable, HeaderMatch]] = []
    for table in tables:
        preview = table.preview[:preview_rows]
        try:
            sheets.data.append((table, find_header(preview, source)))
            continue
        except FileRejected as exc:
            errors.append(exc)
            if exc.rule == "wrong_source":
                other_source.append((table, find_header(preview, None)))
                continue
            if exc.rule not in _NO_TABLE or table.name is None:
                raise
        sheets.notes.append(_note(table))
    if not sheets.data:
        useful = [e for e in errors if e.rule != "empty"]
        raise (useful or errors or [FileRejected("empty")])[0]
    sheets.data += other_source
    order = {id(t): i for i, t in enumerate(tables)}
    sheets.data.sort(key=lambda pair: order[id(pair[0])])
    return sheets


def _note(table: RawTable) -> Skip:
    rows = _content_rows(table)
    if rows == 0:
        rule = "empty_sheet"
    elif _is_instructions(table.name):
        rule = "instructions_sheet"
    else:
        rule = "unrecognised_sheet"
    return Skip(rule, table.name, rows)


def _is_instructions(name: str | None) -> bool:
    words = {squeeze(w) for w in common_rules().instruction_sheet_names}
    return name is not None and squeeze(name) in words


def _content_rows(table: RawTable) -> int:
    """Rows with anything in them, the whole sheet read (the preview is only its top)."""
    width = max((len(r) for r in table.preview), default=1) or 1
    count = 0
    for batch in table.batches(-1, width):
        count += len(batch.malformed)
        for column in zip(*(c.to_pylist() for c in batch.table.columns), strict=True):
            count += any(cell.strip() for cell in column)
    return count
