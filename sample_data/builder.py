"""Writing one export: preamble, header, rows, and the manifest entry that accounts for them.

A source module decides *what* each row says; :class:`FileBuilder` decides nothing and only
keeps the books, so that the manifest's counts (rows read, loaded, quarantined by rule) are
always exactly the rows written. :class:`FileSpec` holds what every source's file recipe
has in common, and :func:`open_file` starts any source's file from one. Defects are scheduled by :class:`DefectSchedule`: one defect
per scheduled row, spread evenly (one per block of ``1/share`` rows at a random offset), and
the rule codes cycle so that every rule a file can show appears before any repeats.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from sample_data import contract_view as cv
from sample_data.cells import Cell, Tags, header_variant
from sample_data.manifest import FileEntry
from sample_data.writers import RowSink, open_sink

T = TypeVar("T")

#: Key of a row dict holding cells past the header's width (a malformed CSV row).
EXTRA = "__extra__"

#: Quarantined share a file that must load is kept under (the contract rejects above 20 %).
MAX_LOADED_DEFECT_SHARE = 0.12


class Cycle(Generic[T]):
    """Round-robin over a shuffled list: every item is used before any repeats.

    Used for spellings the manifest promises (every verdict word, every separator), so a
    small run still shows all of them instead of relying on luck.
    """

    def __init__(self, items: Iterable[T], rng: random.Random) -> None:
        self._items = list(items)
        if not self._items:
            raise ValueError("Cycle needs at least one item")
        rng.shuffle(self._items)
        self._i = 0

    def next(self) -> T:
        item = self._items[self._i % len(self._items)]
        self._i += 1
        return item

    @property
    def items(self) -> list[T]:
        return list(self._items)


class AliasPicker:
    """Chooses each file's header aliases so that successive files use different ones."""

    def __init__(self) -> None:
        self._used: dict[tuple[str, str], int] = {}

    def pick(self, source: str, column: str) -> str:
        names = cv.aliases(source, column)
        i = self._used.get((source, column), 0)
        self._used[(source, column)] = i + 1
        return names[i % len(names)]


@dataclass(frozen=True)
class Column:
    """A column of an export: its canonical name and the header cell as written."""

    name: str
    header: str


@dataclass
class FilePlan:
    """Everything about a file except its rows."""

    rel_path: str
    source: str | None
    fmt: str
    encoding: str | None
    columns: list[Column]
    title: str | None = None
    notices: tuple[str, ...] = ()
    blank_above: int = 0
    crlf: bool = True
    tags: Tags = field(default_factory=set)

    @property
    def column_names(self) -> set[str]:
        return {c.name for c in self.columns}

    def has(self, name: str) -> bool:
        return any(c.name == name for c in self.columns)


def make_columns(
    source: str,
    names: Sequence[str],
    aliases: AliasPicker,
    rng: random.Random,
    tags: Tags,
    *,
    forced: dict[str, str] | None = None,
    variants: dict[str, str] | None = None,
    variant_share: float = 0.15,
) -> list[Column]:
    """Header cells for ``names``: aliases from the contract, some spelled sloppily.

    ``forced`` pins the alias of a column, ``variants`` pins the spelling kind (see
    :func:`cells.header_variant`); other columns get a random kind with ``variant_share``.
    """
    forced = forced or {}
    variants = variants or {}
    kinds = ("inner_space", "surrounding_space", "fullwidth_punct", "halfwidth_punct")
    out = []
    for name in names:
        alias = forced.get(name) or aliases.pick(source, name)
        if alias not in cv.aliases(source, name):
            raise ValueError(f"{alias!r} is not an alias of {source}.{name} in the contract")
        kind = variants.get(name)
        if kind is None:
            kind = rng.choice(kinds) if rng.random() < variant_share else "plain"
        out.append(Column(name, header_variant(alias, kind, tags)))
    return out


class DefectSchedule:
    """Which rows get a defect, and which rule each one breaks.

    ``share`` of the ``n`` rows, at least ``min_count`` when the file is big enough, and never
    more than ``cap`` of them, so a file meant to load stays well under the threshold.
    """

    def __init__(
        self,
        n: int,
        share: float,
        codes: Sequence[str],
        rng: random.Random,
        *,
        min_count: int = 0,
        cap: float = MAX_LOADED_DEFECT_SHARE,
    ) -> None:
        self._rng = rng
        self._codes = Cycle(codes, rng) if codes else None
        self._block = 0
        if share > 0 and codes and n > 0:
            block = max(1, round(1 / share))
            if min_count:
                block = min(block, max(1, n // min_count))
            self._block = max(block, math.ceil(1 / cap))
        self._current_block = -1
        self._position = -1

    def at(self, i: int) -> str | None:
        """The rule row ``i`` breaks, or None; call with increasing ``i``."""
        if not self._block or self._codes is None:
            return None
        b = i // self._block
        if b != self._current_block:
            self._current_block = b
            self._position = b * self._block + self._rng.randrange(self._block)
        return self._codes.next() if i == self._position else None


@dataclass(kw_only=True)
class FileSpec:
    """One file to write, whatever its source: where, how it is spelled, its defects.

    A source's spec adds its own fields and may change a default (its number spellings).
    """

    rel_path: str
    fmt: str
    encoding: str | None
    columns: tuple[str, ...]
    rows: int
    batch: int
    date_forms: tuple[str, ...] = ("iso", "slash", "dot", "cn", "datetime", "serial")
    number_forms: tuple[str, ...] = ("plain", "fullwidth", "native")
    county_forms: tuple[str, ...] = ("full", "short", "variant")
    county_blank_share: float = 0.0
    title: str | None = None
    notices: tuple[str, ...] = ()
    blank_above: int = 0
    blank_between_every: int = 0
    forced_aliases: dict[str, str] = field(default_factory=dict)
    header_variants: dict[str, str] = field(default_factory=dict)
    defect_share: float = 0.0
    min_defects: int = 0
    defect_cap: float = MAX_LOADED_DEFECT_SHARE
    #: the row rules the file's defects cycle through; None: all its source's rules allow
    rules: tuple[str, ...] | None = None
    crlf: bool = True

    def schedule(
        self, rules: Sequence[str], rng: random.Random, rows: int | None = None
    ) -> DefectSchedule:
        """Which of the file's rows (``rows``, else ``self.rows``) break which of ``rules``
        (the rules its source can show in it, unless the spec names its own)."""
        return DefectSchedule(
            self.rows if rows is None else rows,
            self.defect_share,
            rules if self.rules is None else self.rules,
            rng,
            min_count=self.min_defects,
            cap=self.defect_cap,
        )


class Spelling:
    """A file's rotating spellings of dates, numbers and counties (a source adds its own),
    so that a small file still shows every spelling its spec lists."""

    def __init__(self, spec: FileSpec, rng: random.Random) -> None:
        self.rng, self.fmt, self.cols, self.spec = rng, spec.fmt, frozenset(spec.columns), spec
        self.dates = Cycle(spec.date_forms, rng)
        self.numbers = Cycle(spec.number_forms, rng)
        self.county = Cycle(spec.county_forms, rng)


def open_file(
    root: Path, source: str, spec: FileSpec, seed: str, aliases: AliasPicker
) -> tuple[random.Random, Tags, FileBuilder]:
    """The file's random stream (one per file), its tag set and its builder, with the
    preamble and the header (the contract's aliases, some sloppily spelled) written."""
    rng = random.Random(seed)
    tags: Tags = set()
    columns = make_columns(
        source, spec.columns, aliases, rng, tags,
        forced=spec.forced_aliases, variants=spec.header_variants,
    )  # fmt: skip
    plan = FilePlan(
        spec.rel_path, source, spec.fmt, spec.encoding, columns,
        spec.title, spec.notices, spec.blank_above, spec.crlf, tags,
    )  # fmt: skip
    return rng, tags, FileBuilder(root, plan)


class FileBuilder:
    """Writes one file and keeps its manifest entry."""

    def __init__(self, root: Path, plan: FilePlan) -> None:
        self.plan = plan
        self.entry = FileEntry(
            path=plan.rel_path,
            source=plan.source,
            format=plan.fmt,
            encoding=plan.encoding if plan.fmt == "csv" else None,
            variations=plan.tags,
        )
        self._names = [c.name for c in plan.columns]
        self._sink: RowSink = open_sink(root / plan.rel_path, plan.fmt, plan.encoding, plan.crlf)
        self._write_preamble()

    def _write_preamble(self) -> None:
        plan, tags, width = self.plan, self.plan.tags, len(self.plan.columns)
        tags.add(f"format:{plan.fmt}")
        if plan.fmt == "csv":
            tags.add(f"encoding:{plan.encoding}")
        if plan.title:
            self._sink.write_title(plan.title, width)
            tags.add("preamble:title_row")
            if plan.fmt != "csv":
                tags.add("preamble:merged_title")
        for notice in plan.notices:
            self._sink.write_title(notice, width)
            tags.add(f"preamble:{'notice' if notice.startswith('重要提示') else 'statement'}_row")
        for _ in range(plan.blank_above):
            self._sink.write_blank(width)
        if plan.blank_above:
            tags.add("preamble:blank_rows")
        self._sink.write_row([c.header for c in plan.columns])

    def emit(self, cells: dict[str, Cell], rule: str | None = None) -> None:
        """Write one data row; ``rule`` is the row rule it must be quarantined under."""
        row: list[Cell] = [cells.get(n) for n in self._names]
        extra = cells.get(EXTRA)
        if isinstance(extra, str):
            row.extend(extra.split("\x1f"))
        self._sink.write_row(row)
        self.entry.count(rule)

    def emit_rows(self, rows: Iterable[tuple[dict[str, Cell], str | None]]) -> bool:
        """Write a record's rows (one, or the rows a defect made of it); True when one of
        them loads, so the record counts toward the expected rates."""
        loaded = False
        for cells, rule in rows:
            self.emit(cells, rule)
            loaded = loaded or rule is None
        return loaded

    def blank(self) -> None:
        """A blank row between data rows: not a data row, must not be counted."""
        self._sink.write_blank(len(self._names))
        self.plan.tags.add("blank_rows_between_data")

    def blank_after(self, i: int, every: int) -> None:
        """A blank row after every ``every``-th record (``i`` records written so far)."""
        if every and i % every == 0:
            self.blank()

    def close(self) -> FileEntry:
        self._sink.close()
        return self.entry
