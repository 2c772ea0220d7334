"""Sample exports of any source, from its contract alone.

A source with no hand-written module (``market.py`` and its kin) gets its sample data here:
what each column holds follows its contract type (dates in the sample period written in the
contract's date spellings, numbers inside the column's bounds, enum values and verdicts in
the words the contract lists, counties from the county table in full, short or address form),
and the contract's own declarations shape the rows:

- ``number_within``: rows come in groups (an inspection and its findings); the columns the
  contract lists *before* the numbered column describe the group and repeat over its rows,
  the ones after it describe the row. Some files leave the numbered column out, for the
  reader to number; with ``zero_when_blank``, a group that found nothing is one row numbered
  0 with a placeholder.
- ``compare`` and ``relative_to``: dates are drawn in the order the rules ask (a deadline on
  or after its inspection), a relative one sometimes written ``7日``/``7天``/``3个工作日``.
- ``required_when`` / ``forbidden_when`` and the ``_has_`` pair checks: a column is filled
  exactly when its conditions say (a rectified date only for a rectified finding, failed
  items only for a fail), child-table cells joined with the declared separators.

Defects are taken from the same rules (a required cell blank, an unknown county, a
comparison, a condition or a pair check broken, …), one per defective row. A planted
cross-column defect is checked against the contract's rules before it is written, so the
row breaks exactly the rule the manifest names (:func:`_cross_rule_breaks`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ingestion.contracts.schema import (
    ColumnSpec,
    ColumnType,
    Comparison,
    Condition,
    Contract,
    County,
)
from ingestion.normalize.dates import add_days
from sample_data import contract_view as cv
from sample_data import defects as d
from sample_data import places
from sample_data.builder import AliasPicker, Cycle, FileSpec, Spelling, open_file
from sample_data.cells import Cell, Tags, render_date, render_number
from sample_data.manifest import FileEntry
from sample_data.places import pick
from sample_data.pools import (
    BUILDER_WORDS,
    CONTRACTORS,
    FINDINGS,
    MARKET_LABS,
    PRODUCER_PLACES,
    PRODUCER_WORDS,
    PRODUCTS,
    PROJECT_KINDS,
    STANDARDS,
    SUPERVISORS,
    FailItem,
)

#: Record keys that are not columns: a relative date's span, the words chosen for enums.
_REL = "__relative__"
_WORDS = "__words__"
_ITEMS = "__items__"
_PREFIX = "__fail_prefix__"

Record = dict[str, Any]

#: Cross-column rules a planted defect may break; a pair check adds its own rule name.
CROSS_RULES = ("out_of_order", "required_when", "forbidden_when")
#: Relative spans (days, working days?) as a 住建局 clerk writes them.
_SPANS = ((7, False, "{n}日"), (7, False, "{n}天"), (3, True, "{n}个工作日"), (15, False, "{n}日"))
_FAIL_ITEMS = tuple(i for p in PRODUCTS if p.kind == "industrial" for i in p.fail_items)


def is_generic(source: str) -> bool:
    """True for a source no hand-written module generates."""
    return source not in cv.SOURCES


@dataclass(kw_only=True)
class GenericFile(FileSpec):
    """One file of a source: which columns, how they are spelled, its defects."""

    relative_share: float = 0.5
    fail_prefix_share: float = 0.2


# -- what the contract says about the shape of a row ----------------------------------------


@dataclass
class Shape:
    """The contract read once: groups, date order, conditions, the county and its address."""

    contract: Contract
    #: readable columns (a header can name them), in contract order
    columns: tuple[ColumnSpec, ...]
    numbered: ColumnSpec | None
    group_columns: frozenset[str]
    #: date column -> the columns it must not precede (compare and relative_to)
    after: dict[str, tuple[str, ...]]
    county: ColumnSpec | None
    addresses: tuple[str, ...]
    #: columns no file may leave out: every rule between columns needs both of them
    kept: frozenset[str]

    @classmethod
    def of(cls, contract: Contract) -> Shape:
        columns = tuple(c for c in contract.columns if c.readable and not c.derived)
        names = [c.name for c in columns]
        numbered = next((c for c in columns if c.number_within), None)
        group = frozenset(names[: names.index(numbered.name)]) if numbered else frozenset()
        after: dict[str, list[str]] = {c.name: [] for c in columns if c.type is ColumnType.DATE}
        for comparison in contract.compare:
            later, earlier = _later_earlier(comparison)
            if later in after:
                after[later].append(earlier)
        for c in columns:
            if c.relative_to:
                after[c.name].append(c.relative_to)
        county = next((c for c in columns if c.type is ColumnType.COUNTY), None)
        kept = {c for comparison in contract.compare for c in (comparison.left, comparison.right)}
        for presence in contract.conditional_presence:
            kept |= {presence.column, presence.condition.column}
        for check in contract.pair_checks:
            kept |= {c.removeprefix("_has_") for c in check.columns}
        kept |= {t.from_column for t in contract.child_tables}
        return cls(
            contract=contract,
            columns=columns,
            numbered=numbered,
            group_columns=group,
            after={k: tuple(v) for k, v in after.items()},
            county=county,
            addresses=county.fallback if county else (),
            kept=frozenset(kept & set(names)),
        )

    def column(self, name: str) -> ColumnSpec:
        return self.contract.column(name)

    def date_order(self) -> list[str]:
        """Date columns, each after the ones it must not precede."""
        done: list[str] = []
        for _ in self.after:
            for name, earlier in self.after.items():
                if name not in done and all(e in done or e not in self.after for e in earlier):
                    done.append(name)
        if len(done) < len(self.after):
            raise ValueError(f"{self.contract.name}: the date comparisons form a cycle")
        return done


def _shifted(value: Any, steps: int) -> Any:
    """A date ``steps`` days, or a number ``steps`` units, away from ``value``."""
    if isinstance(value, date):
        return value + timedelta(days=steps)
    return value + steps


def _copy(record: Record) -> Record:
    return {**record, _WORDS: dict(record[_WORDS]), _REL: dict(record[_REL])}


def _later_earlier(comparison: Comparison) -> tuple[str, str]:
    """(the column that must be on or after, the other) of `left op right`."""
    if comparison.op in (">=", ">"):
        return comparison.left, comparison.right
    return comparison.right, comparison.left


def _holds(comparison: Comparison, left: Any, right: Any) -> bool:
    return {
        ">=": left >= right,
        ">": left > right,
        "<=": left <= right,
        "<": left < right,
    }[comparison.op]


def _cross_rule_breaks(shape: Shape, record: Record) -> set[str]:
    """The cross-column rules a record breaks, judged as the suite judges them (a rule
    whose columns are not all filled does not apply). The generator asks before writing a
    planted defect, so the manifest never names a rule the row does not break alone."""
    contract, broken = shape.contract, set()
    for comparison in contract.compare:
        left, right = record.get(comparison.left), record.get(comparison.right)
        if left is not None and right is not None and not _holds(comparison, left, right):
            broken.add("out_of_order")
    for presence in contract.conditional_presence:
        value = record.get(presence.condition.column)
        if value is None:
            continue
        holds = (value in presence.condition.values) != presence.condition.negated
        filled = record.get(presence.column) is not None
        if holds and filled != (presence.kind == "required_when"):
            broken.add(presence.kind)
    for check in contract.pair_checks:
        values = [_pair_value(record, c) for c in check.columns]
        if None not in values and tuple(values) not in {tuple(p) for p in check.allowed}:
            broken.add(check.rule)
    return broken


def _pair_value(record: Record, column: str) -> Any:
    if column.startswith("_has_"):
        return record.get(column.removeprefix("_has_")) is not None
    return record.get(column)


# -- values -----------------------------------------------------------------------------------


def _id_prefix(contract: Contract) -> str:
    return "".join(part[0] for part in contract.name.split("_")).upper()


#: Realistic text for columns that several contracts share, by canonical name. A column not
#: listed gets its header and a number (备注3): readable, and clearly sample data.
_TEXT: dict[str, Callable[[random.Random, County, int], str]] = {
    "project_name": lambda rng, county, n: pick(rng, PROJECT_KINDS).format(
        place=county.name_zh,
        town=pick(rng, places.TOWNS.get(county.county_code, ("城区",))),
        n=1 + n % 30,
        k=1 + n % 12,
    ),
    "project_code": lambda rng, county, n: f"{county.county_code}2025{n:06d}",
    "builder": lambda rng, county, n: f"{county.name_zh}{pick(rng, BUILDER_WORDS)}",
    "contractor": lambda rng, county, n: pick(rng, CONTRACTORS),
    "supervisor_unit": lambda rng, county, n: pick(rng, SUPERVISORS),
    "sampled_unit": lambda rng, county, n: pick(rng, CONTRACTORS),
    "producer_name": lambda rng, county, n: (
        f"{pick(rng, PRODUCER_PLACES)[0]}{pick(rng, PRODUCER_WORDS)}建材有限公司"
    ),
    "product_name": lambda rng, county, n: pick(rng, PRODUCTS).name,
    "finding_text": lambda rng, county, n: pick(rng, FINDINGS),
    "standard": lambda rng, county, n: pick(rng, STANDARDS),
    "lab": lambda rng, county, n: pick(rng, MARKET_LABS),
    "notice_no": lambda rng, county, n: f"宜建监整〔2025〕{n:04d}号",
}


class _Maker:
    """Draws records: canonical values, one group at a time."""

    def __init__(self, shape: Shape, spec: GenericFile, rng: random.Random) -> None:
        self.shape, self.spec, self.rng = shape, spec, rng
        self.seq = 0
        # a county read from an address must be one an address can name
        self.counties, self.weights = places.weighted_counties(bool(shape.addresses))
        self.enum_words = {
            c.name: Cycle(
                [(k, w) for k in (c.vocabulary or {}) for w in cv.export_words(
                    shape.contract.name, c.name, k)],
                rng,
            )
            for c in shape.columns
            if c.type is ColumnType.ENUM
        }  # fmt: skip
        self.spans = Cycle(_SPANS, rng)
        levels = max((len(v) for v in shape.after.values()), default=0) + 1
        self.anchor_days = (cv.LAST_DAY - cv.FIRST_DAY).days - 30 * levels

    def group(self) -> list[Record]:
        """One group's records (a single record when the contract numbers nothing)."""
        shape, rng = self.shape, self.rng
        self.seq += 1
        base: Record = {_WORDS: {}, _REL: {}}
        base["__county__"] = rng.choices(self.counties, self.weights)[0]
        base["__anchor__"] = cv.FIRST_DAY + timedelta(days=int(rng.random() * self.anchor_days))
        for col in shape.columns:
            if not shape.numbered or col.name in shape.group_columns:
                base[col.name] = self.value(col, base)
        if not shape.numbered:
            self._dates(base, group_only=False)
            return [self._settle(base)]
        self._dates(base, group_only=True)
        nothing_found = shape.numbered.zero_when_blank and rng.random() < 0.2
        numbers = [0] if nothing_found else list(range(1, rng.randint(1, 4) + 1))
        rows = []
        for number in numbers:
            record = _copy(base)
            record[shape.numbered.name] = number
            for col in self._row_columns(record):
                record[col.name] = self.value(col, record)
            self._dates(record, group_only=False)
            rows.append(self._settle(record))
        return rows

    def _row_columns(self, record: Record) -> list[ColumnSpec]:
        """The columns a row of a group fills itself: all after the numbering, or only the
        always-required ones in a row that found nothing."""
        shape = self.shape
        assert shape.numbered is not None
        nothing = record[shape.numbered.name] == 0
        return [
            c
            for c in shape.columns
            if c.name not in shape.group_columns
            and c.name != shape.numbered.name
            and (c.always_required or not nothing)
        ]

    def value(self, col: ColumnSpec, record: Record) -> Any:
        """A column's canonical value (dates come later, in their order)."""
        rng, county = self.rng, record["__county__"]
        if col.name in self.shape.contract.natural_key and col.type is ColumnType.STRING:
            return f"{_id_prefix(self.shape.contract)}2025{self.spec.batch:02d}{self.seq:05d}"
        match col.type:
            case ColumnType.DATE:
                return None
            case ColumnType.COUNTY:
                return county
            case ColumnType.ENUM:
                canonical, word = self.enum_words[col.name].next()
                record[_WORDS][col.name] = word
                return canonical
            case ColumnType.VERDICT:
                return "pass" if rng.random() < 0.85 else "fail"
            case ColumnType.NUMBER | ColumnType.INTEGER:
                low = col.min_value if col.min_value is not None else 0.0
                high = col.max_value if col.max_value is not None else low + 1000.0
                x = low + rng.random() * (high - low)
                return round(x) if col.type is ColumnType.INTEGER else round(x, 2)
            case ColumnType.BOOLEAN:
                return rng.random() < 0.5
            case ColumnType.PERIOD:
                return f"2025Q{rng.randint(1, 3)}"
            case ColumnType.INDICATOR_CODE:
                return pick(rng, sorted(cv.indicator_table()))
        if col.name in self.shape.addresses:
            return places.address(county, rng)
        if col.name in self._child_columns():
            record[_ITEMS] = rng.sample(_FAIL_ITEMS, rng.choice((1, 1, 2, 3)))
            return _ITEMS
        maker = _TEXT.get(col.name)
        if maker is not None:
            return maker(rng, county, self.seq)
        return f"{col.aliases[0]}{self.seq}"

    def _dates(self, record: Record, group_only: bool) -> None:
        shape, rng = self.shape, self.rng
        own = None if group_only or not shape.numbered else self._row_columns(record)
        for name in shape.date_order():
            in_group = name in shape.group_columns
            if group_only != in_group or (own is not None and shape.column(name) not in own):
                continue
            col = shape.column(name)
            earlier = [record[e] for e in shape.after[name] if record.get(e) is not None]
            start = max(earlier, default=record["__anchor__"])
            if (
                col.relative_to
                and record.get(col.relative_to)
                and rng.random() < (self.spec.relative_share)
            ):
                days, working, text = self.spans.next()
                record[_REL][name] = text.format(n=days)
                record[name] = add_days(record[col.relative_to], days, working)
                continue
            record[name] = start + timedelta(days=int(rng.random() * 21) if earlier else 0)
            if col.not_after_load:
                record[name] = min(record[name], cv.LAST_DAY)

    def _settle(self, record: Record) -> Record:
        """Blank or fill the columns the contract's conditions and pair checks decide."""
        contract, rng = self.shape.contract, self.rng
        for comparison in contract.compare:
            later, earlier = _later_earlier(comparison)
            left, right = record.get(comparison.left), record.get(comparison.right)
            if left is not None and right is not None and not _holds(comparison, left, right):
                # numbers drawn on their own: the later one moved above the other
                record[later] = _shifted(record[earlier], rng.randint(1, 50))
        for check in contract.pair_checks:
            first, second = check.columns
            if not second.startswith("_has_") or record.get(first) is None:
                continue
            target = second.removeprefix("_has_")
            allowed = {has for value, has in check.allowed if value == record[first]}
            if len(allowed) == 1:
                self._presence(record, target, allowed.pop())
        decided: dict[str, bool | None] = {}
        for presence in contract.conditional_presence:
            value = record.get(presence.condition.column)
            holds = value is not None and (
                (value in presence.condition.values) != presence.condition.negated
            )
            if holds:
                decided[presence.column] = presence.kind == "required_when"
            else:
                decided.setdefault(presence.column, None)
        for name, filled in decided.items():
            if filled is None and not self.shape.column(name).required:
                filled = None if rng.random() < 0.5 else False  # optional: often left blank
            if filled is not None:
                self._presence(record, name, filled)
        return record

    def _presence(self, record: Record, name: str, filled: bool) -> None:
        if not filled:
            record[name] = None
            record[_REL].pop(name, None)
            return
        if record.get(name) is not None:
            return
        col = self.shape.column(name)
        if col.type is ColumnType.DATE:
            earlier = [record[e] for e in self.shape.after[name] if record.get(e) is not None]
            start = max(earlier, default=record["__anchor__"])
            day = start + timedelta(days=self.rng.randint(1, 20))
            record[name] = min(day, cv.LAST_DAY) if col.not_after_load else day
        else:
            record[name] = self.value(col, record)

    def _child_columns(self) -> set[str]:
        return {t.from_column for t in self.shape.contract.child_tables}


# -- spelling ---------------------------------------------------------------------------------


class _Spelling(Spelling):
    """Per-file cycles, so a small file still shows every spelling it is given."""

    def __init__(self, shape: Shape, spec: GenericFile, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.pass_words = Cycle(cv.pass_words(), rng)
        self.fail_words = Cycle(cv.fail_words(), rng)
        self.nothing = Cycle([p for p in cv.placeholders() if p in ("无", "未发现问题", "/")], rng)
        children = shape.contract.child_tables
        self.children = children
        self.item_seps = {t.from_column: Cycle(t.item_separators, rng) for t in children}
        self.field_seps = {t.from_column: Cycle(t.field_separators, rng) for t in children}
        self.spec: GenericFile = spec  # its own fields, too


def render(shape: Shape, record: Record, sp: _Spelling, tags: Tags) -> dict[str, Cell]:
    """The record as the file's cells, each column in one of the file's spellings."""
    rng, fmt, source = sp.rng, sp.fmt, shape.contract.name
    record[_PREFIX] = _carried_by_verdict(shape, record, sp)
    cells: dict[str, Cell] = {}
    for col in shape.columns:
        name = col.name
        if name not in sp.cols:
            continue
        value = record.get(name)
        if value is None:
            cells[name] = _nothing(shape, col, record, sp, tags)
        elif name in record[_REL]:
            cells[name] = record[_REL][name]
            tags.add(f"{source}:relative:{record[_REL][name].lstrip('0123456789')}")
        elif col.type is ColumnType.DATE:
            cells[name] = render_date(value, sp.dates.next(), fmt, tags)
        elif col.type is ColumnType.COUNTY:
            if (
                shape.addresses
                and set(shape.addresses) & sp.cols
                and (rng.random() < sp.spec.county_blank_share)
            ):
                cells[name] = ""
                tags.add("county:blank_from_address")
            else:
                cells[name] = places.county_text(value, sp.county.next(), rng, tags)
        elif col.type is ColumnType.ENUM:
            cells[name] = record[_WORDS][name]
            tags.add(f"{source}:{name}:{cells[name]}")
        elif col.type is ColumnType.VERDICT:
            cells[name] = _verdict(shape, record, col, sp, tags)
        elif col.type is ColumnType.INTEGER:
            cells[name] = value if fmt != "csv" else str(value)
        elif col.type is ColumnType.NUMBER:
            cells[name] = render_number(value, 2, sp.numbers.next(), fmt, tags)
        elif col.type is ColumnType.BOOLEAN:
            cells[name] = "是" if value else "否"
        elif name in sp.item_seps:
            carried = record[_PREFIX] == name
            cells[name] = "" if carried else _items(record, name, sp, source, tags)
        else:
            cells[name] = str(value)
    if shape.county and shape.county.name not in sp.cols:
        tags.add("county:column_absent_from_address")
    if shape.numbered and shape.numbered.name not in sp.cols:
        tags.add(f"{source}:numbering_absent")
    return cells


def _nothing(shape: Shape, col: ColumnSpec, record: Record, sp: _Spelling, tags: Tags) -> str:
    """An empty cell, or the placeholder a clerk types for "nothing found"."""
    numbered = shape.numbered
    if numbered and numbered.zero_when_blank == col.name and record.get(numbered.name) == 0:
        tags.add(f"{shape.contract.name}:nothing_found")
        return sp.nothing.next()
    return ""


def _carried_by_verdict(shape: Shape, record: Record, sp: _Spelling) -> str | None:
    """The items column a fail verdict carries in this row (`不合格：项目║结果║标准`), if any."""
    for col in shape.columns:
        verdict = col.from_fail_verdict
        if (
            verdict
            and {col.name, verdict} <= sp.cols
            and record.get(verdict) == "fail"
            and record.get(col.name) is not None
            and sp.rng.random() < sp.spec.fail_prefix_share
        ):
            return col.name
    return None


def _verdict(shape: Shape, record: Record, col: ColumnSpec, sp: _Spelling, tags: Tags) -> str:
    carried = record[_PREFIX]
    if record[col.name] == "fail" and carried:
        items = _items(record, carried, sp, shape.contract.name, tags)
        tags.add("verdict:fail_prefix")
        return f"{sp.rng.choice(cv.fail_prefixes())}：{items}"
    word = (sp.pass_words if record[col.name] == "pass" else sp.fail_words).next()
    tags.add(f"verdict:{word}")
    return word


def _item_fields(item: FailItem, fields: tuple[str, ...]) -> list[str]:
    """An item's cells for the child table's fields: name, result, limit, then the field."""
    known = [item.item, item.measured, item.limit]
    return [known[k] if k < len(known) else f"{name}" for k, name in enumerate(fields)]


def _items(record: Record, column: str, sp: _Spelling, source: str, tags: Tags) -> str:
    """Child-table items in one cell, fields and items joined by the declared separators."""
    sep = sp.field_seps[column].next()
    tags.add(f"{source}:field_sep:{sep}")
    child = next(c for c in sp.children if c.from_column == column)
    parts = [sep.join(_item_fields(i, child.fields)) for i in record.get(_ITEMS, ())]
    if len(parts) < 2:
        return "".join(parts)
    joiner = sp.item_seps[column].next()
    tags.add(f"{source}:item_sep:{'newline' if joiner == chr(10) else joiner}")
    return joiner.join(parts)


# -- defects ----------------------------------------------------------------------------------


def _present(shape: Shape, spec: GenericFile) -> list[ColumnSpec]:
    return [c for c in shape.columns if c.name in spec.columns]


def _required_target(shape: Shape, spec: GenericFile) -> str | None:
    """A column every row needs and no rule fills in: blanking it breaks that rule alone."""
    key = set(shape.contract.natural_key)
    found = [
        c
        for c in _present(shape, spec)
        if c.always_required and c.name not in key and c.name not in shape.kept
        and c.type is not ColumnType.COUNTY and not c.number_within
    ]  # fmt: skip
    strings = [c for c in found if c.type is ColumnType.STRING]
    best = strings or found
    return best[0].name if best else None


def _date_target(shape: Shape, spec: GenericFile) -> str | None:
    """A date column no rule needs to be late (an old date there breaks only its range)."""
    later = {_later_earlier(c)[0] for c in shape.contract.compare}
    later |= {c.name for c in shape.columns if c.relative_to}
    dates = [
        c.name for c in _present(shape, spec) if c.type is ColumnType.DATE and c.name not in later
    ]
    main = shape.contract.date_column
    return main if main in dates else (dates[0] if dates else None)


def _enum_target(shape: Shape, spec: GenericFile) -> str | None:
    for c in _present(shape, spec):
        if c.type is ColumnType.ENUM and c.name not in shape.kept:
            return c.name
    return None


def _typed(shape: Shape, spec: GenericFile, type_: ColumnType) -> str | None:
    return next((c.name for c in _present(shape, spec) if c.type is type_), None)


#: Words of its own a generic file uses for a bad cell.
_BAD_WORDS = {"unknown_value": ("未分类", "待定类别")}


def _numbered_absent(shape: Shape, spec: GenericFile) -> bool:
    return bool(shape.numbered) and shape.numbered.name not in spec.columns  # type: ignore[union-attr]


def rules_for(shape: Shape, spec: GenericFile) -> tuple[str, ...]:
    """The row rules this file's columns let a defect break."""
    present = {c.name: c for c in _present(shape, spec)}
    rules: list[str] = []
    if _required_target(shape, spec):
        rules.append("required_missing")
    if _date_target(shape, spec):
        rules += ["invalid_date", "date_out_of_range"]
    if shape.county and (shape.county.name in present or set(shape.addresses) & set(present)):
        rules.append("unknown_county")
    if _enum_target(shape, spec):
        rules.append("unknown_value")
    if any(c.type is ColumnType.VERDICT and c.required for c in present.values()):
        rules.append("invalid_verdict")
    if any(c.type is ColumnType.INTEGER for c in present.values()):
        rules.append("invalid_integer")
    if any(cv.out_of_range_value(shape.contract.name, n) is not None for n in present):
        rules.append("out_of_range")
    if not _numbered_absent(shape, spec):
        rules += ["duplicate_key", "duplicate_row"]
    if spec.fmt == "csv":
        rules.append("malformed_row")
    if any({c.left, c.right} <= set(present) for c in shape.contract.compare):
        rules.append("out_of_order")
    for presence in shape.contract.conditional_presence:
        if {presence.column, presence.condition.column} <= set(present):
            rules.append(presence.kind)
    for check in shape.contract.pair_checks:
        if {c.removeprefix("_has_") for c in check.columns} <= set(present):
            rules.append(check.rule)
    return tuple(dict.fromkeys(rules))


def inject(
    code: str, shape: Shape, record: Record, cells: dict[str, Cell], maker: _Maker, sp: _Spelling,
    tags: Tags,
) -> d.Emitted | None:  # fmt: skip
    """The row broken for rule ``code``; None when this row cannot show it (then it is
    written as it is, and the next defective row tries again)."""
    rng, spec, contract = sp.rng, sp.spec, shape.contract
    present = set(spec.columns)
    if code in ("invalid_date", "date_out_of_range"):
        target = _date_target(shape, spec)
        if target is None or record.get(target) is None:
            return None
        out = _absolute_relatives(shape, record, cells, target, sp, tags)
        return d.simple(code, out, rng, {code: target})
    if code == "unknown_county":
        county = shape.county.name if shape.county and shape.county.name in present else None
        addresses = tuple(a for a in shape.addresses if a in present)
        codes_only = all(f == "code" for f in sp.county.items)
        return d.unknown_county(cells, county, addresses, rng, codes_only=codes_only)
    if code == "out_of_range":
        target = next(n for n in present if cv.out_of_range_value(contract.name, n) is not None)
        value = cv.out_of_range_value(contract.name, target)
        if _cross_rule_breaks(shape, {**record, target: value}):
            return None  # the value would also trip a rule that reads it (a condition)
        return d.replace(cells, target, f"{value:g}", code)
    if code in CROSS_RULES or code in {c.rule for c in contract.pair_checks}:
        return _cross_defect(code, shape, record, maker, sp, tags)
    key = _required_target(shape, spec)
    targets = {
        "required_missing": key,
        "unknown_value": _enum_target(shape, spec),
        "invalid_verdict": _typed(shape, spec, ColumnType.VERDICT),
        "invalid_integer": _typed(shape, spec, ColumnType.INTEGER),
    }
    twin = (key, "（二）") if key else None
    return d.simple(code, cells, rng, targets, words=_BAD_WORDS, twin=twin)


def _absolute_relatives(
    shape: Shape, record: Record, cells: dict[str, Cell], base: str, sp: _Spelling, tags: Tags
) -> dict[str, Cell]:
    """The row with dates counted from ``base`` written as dates: a broken base must not
    take a relative deadline with it."""
    out = dict(cells)
    for col in shape.columns:
        if col.relative_to == base and col.name in record[_REL] and col.name in out:
            out[col.name] = render_date(record[col.name], sp.dates.next(), sp.fmt, tags)
    return out


def _cross_defect(
    code: str, shape: Shape, record: Record, maker: _Maker, sp: _Spelling, tags: Tags
) -> d.Emitted | None:
    """A comparison, a condition or a pair check broken on a copy of the record, kept only
    when that is the one rule the copy breaks."""
    rng, contract, present = sp.rng, shape.contract, set(sp.spec.columns)
    broken = _copy(record)
    if code == "out_of_order":
        usable = [c for c in contract.compare if {c.left, c.right} <= present]
        for comparison in rng.sample(usable, len(usable)):
            broken = _copy(record)
            later, earlier = _later_earlier(comparison)
            if broken.get(earlier) is None:
                continue
            maker._presence(broken, later, True)
            broken[later] = _shifted(broken[earlier], -rng.randint(1, 9))
            broken[_REL].pop(later, None)
            if _cross_rule_breaks(shape, broken) == {code}:
                return [(render(shape, broken, sp, tags), code)]
        return None
    if code in ("required_when", "forbidden_when"):
        usable = [
            p
            for p in contract.conditional_presence
            if p.kind == code and {p.column, p.condition.column} <= present
        ]
        for presence in rng.sample(usable, len(usable)):
            broken = _copy(record)
            if broken.get(presence.condition.column) is None:
                continue
            _set_condition(shape, broken, presence.condition, sp)
            maker._presence(broken, presence.column, code == "forbidden_when")
            if _cross_rule_breaks(shape, broken) == {code}:
                return [(render(shape, broken, sp, tags), code)]
        return None
    else:
        check = next(c for c in contract.pair_checks if c.rule == code)
        first, second = check.columns
        if not second.startswith("_has_") or broken.get(first) is None:
            return None
        value = rng.choice(sorted({str(v) for v, _ in check.allowed}))
        has = next(h for h in (True, False) if (value, h) not in {tuple(p) for p in check.allowed})
        broken[first] = value
        maker._presence(broken, second.removeprefix("_has_"), has)
    return _checked(code, shape, broken, sp, tags)


def _checked(
    code: str, shape: Shape, broken: Record, sp: _Spelling, tags: Tags
) -> d.Emitted | None:
    if _cross_rule_breaks(shape, broken) != {code}:
        return None
    return [(render(shape, broken, sp, tags), code)]


def _set_condition(shape: Shape, record: Record, condition: Condition, sp: _Spelling) -> bool:
    """Give the condition's column a value for which the condition holds (kept when it
    already does: a new group number could repeat another row's key)."""
    col = shape.column(condition.column)
    if (record[col.name] in condition.values) != condition.negated:
        return True
    if condition.negated:
        if col.type is ColumnType.ENUM:
            choices = [k for k in col.vocabulary or {} if k not in condition.values]
        else:
            choices = [v for v in (1, 2, 3) if v not in condition.values]
    else:
        choices = list(condition.values)
    if not choices:
        return False
    value = sp.rng.choice(choices)
    record[col.name] = value
    if col.type is ColumnType.ENUM:
        record[_WORDS][col.name] = next(
            w for w in cv.export_words(shape.contract.name, col.name, value)
        )
    return True


# -- files ------------------------------------------------------------------------------------


def write_generic_file(
    root: Path, contract: Contract, spec: GenericFile, seed: str, aliases: AliasPicker
) -> FileEntry:
    """Write one file of ``contract``'s source, whole groups at a time, until ``spec.rows``."""
    rng, tags, builder = open_file(root, contract.name, spec, seed, aliases)
    shape = Shape.of(contract)
    maker = _Maker(shape, spec, rng)
    sp = _Spelling(shape, spec, rng)
    schedule = spec.schedule(rules_for(shape, spec), rng)
    i = 0
    pending: str | None = None  # a defect the row it fell on could not show
    while builder.entry.rows_read < spec.rows:
        for record in maker.group():
            if _cross_rule_breaks(shape, record):
                raise AssertionError(f"{contract.name}: a clean sample row breaks a rule")
            code = schedule.at(i) or pending
            i += 1
            cells = render(shape, record, sp, tags)
            emitted = None if code is None else inject(code, shape, record, cells, maker, sp, tags)
            pending = code if emitted is None else None
            builder.emit_rows(emitted or [(cells, None)])
    return builder.close()


@dataclass
class GenericPlan:
    """The files a source gets: loadable ones, and one that must be rejected whole."""

    loaded: list[GenericFile] = field(default_factory=list)
    missing_column: GenericFile | None = None


def default_files(contract: Contract, rows: int, share: float) -> GenericPlan:
    """A CSV register with every column, a workbook leaving optional columns (the county,
    the numbering) to be derived, a legacy ``.xls``, and a file missing a required column."""
    shape = Shape.of(contract)
    name, title = contract.name, contract.title_zh
    every = tuple(c.name for c in shape.columns)
    optional = [
        c.name
        for c in shape.columns
        if not c.required and c.name not in shape.kept and c.name not in shape.addresses
    ]
    lean = tuple(
        c for c in every
        if c not in optional[1::2]
        and not (shape.county and c == shape.county.name and shape.addresses)
        and not (shape.numbered and c == shape.numbered.name)
    )  # fmt: skip
    plan = GenericPlan(
        loaded=[
            GenericFile(
                rel_path=f"{name}/宜春市{title}汇总（2025年）.csv", fmt="csv",
                encoding="gb18030", columns=every, rows=max(30, rows // 2), batch=1, min_defects=16,
                title=f"宜春市{title}汇总（2025年）", notices=("声明：本表数据仅供质量监测使用。",),
                county_blank_share=0.05, defect_share=share,
            ),
            GenericFile(
                rel_path=f"{name}/{title}（第三季度）.xlsx", fmt="xlsx", encoding=None,
                columns=lean, rows=max(20, rows * 3 // 10), batch=2,
                date_forms=("cell", "serial", "cn"), title=f"{title}（第三季度）",
                blank_above=1, defect_share=share, min_defects=8,
            ),
            GenericFile(
                rel_path=f"{name}/{title}登记表.xls", fmt="xls", encoding=None, columns=every,
                rows=max(15, rows // 5), batch=3, date_forms=("cell", "dot", "slash"),
                county_forms=("short", "variant", "code"), defect_share=share, min_defects=5,
            ),
        ]
    )  # fmt: skip
    needed = next(
        (c.name for c in shape.columns if c.required and not c.fallback and not c.number_within),
        None,
    )
    if needed:
        plan.missing_column = GenericFile(
            rel_path=f"{name}/{title}（缺少必填列）.xlsx", fmt="xlsx", encoding=None,
            columns=tuple(c for c in every if c != needed), rows=12, batch=4,
        )  # fmt: skip
    return plan


def required_tags(contract: Contract) -> set[str]:
    """Variation tags the default files of a generic source must show, from its contract:
    every enum word, relative spans, a file the reader numbers, nothing-found rows and
    every child-table separator."""
    shape, name = Shape.of(contract), contract.name
    tags: set[str] = set()
    for col in shape.columns:
        if col.type is ColumnType.ENUM:
            for canonical in col.vocabulary or {}:
                tags |= {
                    f"{name}:{col.name}:{w}" for w in cv.export_words(name, col.name, canonical)
                }
        if col.relative_to:
            tags |= {f"{name}:relative:{t.removeprefix('{n}')}" for _, _, t in _SPANS}
    if shape.numbered:
        tags.add(f"{name}:numbering_absent")
        if shape.numbered.zero_when_blank:
            tags.add(f"{name}:nothing_found")
    for child in contract.child_tables:
        tags |= {f"{name}:field_sep:{s}" for s in child.field_separators}
        tags |= {
            f"{name}:item_sep:{'newline' if s == chr(10) else s}" for s in child.item_separators
        }
    return tags
