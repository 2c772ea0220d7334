"""``market_sampling`` exports: the 市场监管局's supervision-sampling tables.

Three kinds of table are written, as the bureau publishes them: a full result table (verdict
and failed-items columns), a 合格 list (neither column: the file name says pass) and a 不合格
list (no verdict column: the file name says fail). Some files have no sampling-type column,
so 食品/药品/产品 in the name decides. The ground truth of every loaded row goes to a
:class:`MarketLedger`, which turns it into the expected pass rates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from ingestion.contracts.schema import County
from sample_data import contract_view as cv
from sample_data import defects as d
from sample_data import places
from sample_data.builder import AliasPicker, Cycle, FileSpec, open_file
from sample_data.cells import Cell, Tags, render_date
from sample_data.manifest import ExpectedRates, FileEntry
from sample_data.places import pick
from sample_data.pools import (
    DRUG_BRANDS,
    FOOD_BRANDS,
    INDUSTRIAL_BRANDS,
    MARKET_LABS,
    MARKET_REMARKS,
    PRODUCER_PLACES,
    PRODUCER_SUFFIX,
    PRODUCER_WORDS,
    PRODUCTS,
    SHOP_KINDS,
    SHOP_NAMES,
    TASK_SOURCES,
    FailItem,
    Product,
)

SOURCE = cv.MARKET
FIRST_DAY, LAST_DAY = cv.FIRST_DAY, cv.LAST_DAY
_SPAN = (LAST_DAY - FIRST_DAY).days

#: All columns of a full result table, in the bureau's usual order.
FULL_COLUMNS = (
    "sample_id", "sampling_type", "product_name", "category", "producer_name",
    "producer_address", "sampled_unit", "sampled_unit_address", "county_code", "spec",
    "brand", "batch_text", "sampling_date", "verdict", "failed_items_text",
    "announcement_no", "announcement_date", "task_source", "lab", "remarks",
)  # fmt: skip
_INDICATOR = {
    "food": "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE",
    "drug": "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE",
    "industrial": "QUAL_MFG_PRODUCT_PASS_RATE",
}
_ID_PREFIX = {"food": "DC", "drug": "YP", "industrial": "CC"}
_BRANDS = {"food": FOOD_BRANDS, "drug": DRUG_BRANDS, "industrial": INDUSTRIAL_BRANDS}
_FAIL_RATE = {"food": 0.03, "drug": 0.02, "industrial": 0.08}


@dataclass(slots=True)
class MarketRecord:
    """The truth about one sample, before any spelling is chosen."""

    sample_id: str
    product: Product
    type_word: str
    producer_name: str
    producer_address: str
    sampled_unit: str
    county: County
    unit_address: str
    brand: str
    production_date: date | None
    batch_no: str | None
    sampling_date: date
    announcement_no: str
    announcement_date: date
    passed: bool
    failed: tuple[FailItem, ...]
    lab: str
    task_source: str
    remarks: str | None

    @property
    def kind(self) -> str:
        return self.product.kind


class MarketLedger:
    """Loaded samples: the latest version per sample_id, or direct counts for big files
    whose sample ids appear in no other file."""

    def __init__(self, expected: ExpectedRates) -> None:
        self._expected = expected
        self._latest: dict[str, tuple[str, str, int, bool]] = {}

    @staticmethod
    def _fact(rec: MarketRecord) -> tuple[str, str, int, bool]:
        return (_INDICATOR[rec.kind], rec.county.county_code, rec.sampling_date.year, rec.passed)

    def put(self, rec: MarketRecord) -> None:
        self._latest[rec.sample_id] = self._fact(rec)

    def count(self, rec: MarketRecord) -> None:
        self._expected.add(*self._fact(rec))

    def finish(self) -> None:
        for fact in self._latest.values():
            self._expected.add(*fact)
        self._latest.clear()


class RecordFactory:
    """Makes sample records of the kinds a file holds."""

    def __init__(
        self,
        rng: random.Random,
        batch: int,
        kinds: tuple[str, ...],
        *,
        verdict: bool | None = None,
        addressable_only: bool = False,
    ) -> None:
        self.rng = rng
        self.batch = batch
        self.products = [p for p in PRODUCTS if p.kind in kinds]
        self.verdict = verdict
        self.counties, self.weights = places.weighted_counties(addressable_only)
        self.type_words = {
            kind: cv.export_words(SOURCE, "sampling_type", kind)
            for kind in ("food", "drug", "industrial")
        }
        self.seq = 0

    def make(self) -> MarketRecord:
        rng = self.rng
        self.seq += 1
        product = pick(rng, self.products)
        kind = product.kind
        words = self.type_words[kind]
        type_word = product.type_word if product.type_word in words else pick(rng, words)
        county = rng.choices(self.counties, self.weights)[0]
        sampled = FIRST_DAY + timedelta(days=int(rng.random() * (_SPAN + 1)))
        announced = min(sampled + timedelta(days=10 + int(rng.random() * 36)), LAST_DAY)
        if type_word == "食用农产品":
            produced: date | None = sampled  # bought that day: the 购进日期
        else:
            produced = max(sampled - timedelta(days=1 + int(rng.random() * 120)), FIRST_DAY)
        lot = 1 + int(rng.random() * 99)
        batch_no = None if rng.random() < 0.7 else f"{produced:%y%m%d}{lot:02d}"
        passed = rng.random() >= _FAIL_RATE[kind] if self.verdict is None else self.verdict
        failed: tuple[FailItem, ...] = ()
        if not passed:
            k = 1 if len(product.fail_items) == 1 or rng.random() < 0.55 else 2
            failed = tuple(rng.sample(product.fail_items, min(k, len(product.fail_items))))
        region, prefix = pick(rng, PRODUCER_PLACES)
        return MarketRecord(
            sample_id=f"{_ID_PREFIX[kind]}25{county.county_code}{self.batch:02d}{self.seq:08d}",
            product=product,
            type_word=type_word,
            producer_name=f"{region}{pick(rng, PRODUCER_WORDS)}{pick(rng, PRODUCER_SUFFIX[kind])}",
            producer_address=f"{prefix}{pick(rng, places.STREETS)}{1 + int(rng.random() * 300)}号",
            sampled_unit=f"{places.place_name(county, rng)}{pick(rng, SHOP_NAMES)}"
            f"{pick(rng, SHOP_KINDS[kind])}",
            county=county,
            unit_address=places.address(county, rng)
            if county.county_code in places.TOWNS
            else f"宜春市{pick(rng, places.STREETS)}{1 + int(rng.random() * 300)}号",
            brand=pick(rng, _BRANDS[kind]),
            production_date=produced,
            batch_no=batch_no,
            sampling_date=sampled,
            announcement_no=f"宜春市场监管公告〔2025〕第{announced.month * 3 - 2}号",
            announcement_date=announced,
            passed=passed,
            failed=failed,
            lab=pick(rng, MARKET_LABS),
            task_source=pick(rng, TASK_SOURCES),
            remarks=pick(rng, MARKET_REMARKS) if not passed and rng.random() < 0.5 else None,
        )


@dataclass
class Layout:
    """How one file spells its rows (which spellings rotate, what is left blank)."""

    columns: tuple[str, ...]
    fmt: str
    rng: random.Random
    date_forms: tuple[str, ...]
    county_forms: tuple[str, ...] = ("full", "short", "variant")
    county_blank_share: float = 0.0
    sampling_blank_share: float = 0.0
    fail_prefix_share: float = 0.0
    pass_words: tuple[str, ...] = field(default_factory=cv.pass_words)
    fail_words: tuple[str, ...] = field(default_factory=cv.fail_words)
    field_seps: tuple[str, ...] = field(default_factory=cv.field_separators)
    item_seps: tuple[str, ...] = field(default_factory=cv.item_separators)
    placeholders: tuple[str, ...] = field(default_factory=cv.placeholders)
    batch_forms: tuple[str, ...] = ("iso", "slash", "cn", "annotated", "batch")

    def __post_init__(self) -> None:
        # A file may use a subset of the contract's words, never a word the contract lacks:
        # otherwise the manifest would promise a load the reader must refuse.
        for used, allowed in (
            (self.pass_words, cv.pass_words()),
            (self.fail_words, cv.fail_words()),
            (self.field_seps, cv.field_separators()),
            (self.item_seps, cv.item_separators()),
        ):
            unknown = set(used) - set(allowed)
            if unknown:
                raise ValueError(f"not in the contract: {sorted(unknown)}")
        rng = self.rng
        self.cols = frozenset(self.columns)
        self.c_dates = Cycle(self.date_forms, rng)
        self.c_county = Cycle(self.county_forms, rng)
        self.c_pass = Cycle(self.pass_words, rng)
        self.c_fail = Cycle(self.fail_words, rng)
        self.c_field = Cycle(self.field_seps, rng)
        self.c_item = Cycle(self.item_seps, rng)
        # "未发现不合格项目" is a placeholder only a failed-items cell would say
        self.c_blank = Cycle([p for p in self.placeholders if "不合格" not in p], rng)
        self.c_no_items = Cycle(self.placeholders, rng)
        self.c_batch = Cycle(self.batch_forms, rng)


def failed_text(items: tuple[FailItem, ...], layout: Layout, tags: Tags) -> str:
    """Failed items in one cell: 项目║检验结果║标准值, items split by ；/;/line break."""
    sep = layout.c_field.next()
    tags.add(f"failed_items:field_sep:{sep}")
    parts = [f"{i.item}{sep}{i.measured}{sep}{i.limit}" for i in items]
    if len(parts) == 1:
        return parts[0]
    joiner = layout.c_item.next()
    tags.add("failed_items:multiple")
    tags.add(f"failed_items:item_sep:{'newline' if joiner == chr(10) else joiner}")
    return joiner.join(parts)


def _blank(layout: Layout, tags: Tags, cycle: Cycle[str] | None = None) -> str:
    word = (cycle or layout.c_blank).next()
    tags.add(f"placeholder:{word or '<empty>'}")
    return word


def render(rec: MarketRecord, layout: Layout, tags: Tags) -> dict[str, Cell]:
    """The cells of one clean row."""
    rng, cols, fmt = layout.rng, layout.cols, layout.fmt
    c: dict[str, Cell] = {
        "sample_id": rec.sample_id,
        "product_name": rec.product.name,
        "sampled_unit": rec.sampled_unit,
        "lab": rec.lab,
    }
    if "sampling_type" in cols:
        c["sampling_type"] = rec.type_word
        tags.add(f"sampling_type:{rec.type_word}")
    c["category"] = rec.product.category if rng.random() < 0.9 else _blank(layout, tags)
    c["producer_name"] = rec.producer_name
    c["producer_address"] = rec.producer_address if rng.random() < 0.9 else _blank(layout, tags)
    c["sampled_unit_address"] = rec.unit_address
    if "county_code" in cols:
        blank = (
            layout.county_blank_share
            and rec.county.county_code in places.TOWNS
            and "sampled_unit_address" in cols
            and rng.random() < layout.county_blank_share
        )
        if blank:
            c["county_code"] = _blank(layout, tags)
            tags.add("county:blank_from_address")
        else:
            c["county_code"] = places.county_text(rec.county, layout.c_county.next(), rng, tags)
    else:
        tags.add("county:column_absent_from_address")
    c["spec"] = rec.product.spec
    c["brand"] = rec.brand
    form = layout.c_batch.next()
    if form == "batch" or rec.production_date is None:
        c["batch_text"] = rec.batch_no or _blank(layout, tags)
    elif form == "annotated" and rec.type_word != "食用农产品":
        c["batch_text"] = render_date(rec.production_date, "iso", "csv", tags)
    else:
        c["batch_text"] = render_date(rec.production_date, form, "csv", tags)
    announcement_col = "announcement_date" in cols
    if (
        "sampling_date" in cols
        and announcement_col
        and layout.sampling_blank_share
        and rng.random() < layout.sampling_blank_share
    ):
        c["sampling_date"] = _blank(layout, tags)
        tags.add("sampling_date:blank_from_announcement")
    else:
        c["sampling_date"] = render_date(rec.sampling_date, layout.c_dates.next(), fmt, tags)
    if "sampling_date" not in cols:
        tags.add("sampling_date:column_absent_from_announcement")
    c["announcement_no"] = rec.announcement_no
    c["announcement_date"] = render_date(rec.announcement_date, layout.c_dates.next(), fmt, tags)
    if "verdict" in cols:
        if rec.passed:
            word = layout.c_pass.next()
            tags.add(f"verdict:{word}")
        elif layout.fail_prefix_share and rng.random() < layout.fail_prefix_share:
            prefix = rng.choice(cv.fail_prefixes())
            word = f"{prefix}：{failed_text(rec.failed[:1], layout, tags)}"
            tags.add("verdict:fail_prefix")
        else:
            word = layout.c_fail.next()
            tags.add(f"verdict:{word}")
        c["verdict"] = word
    if "failed_items_text" in cols:
        c["failed_items_text"] = (
            failed_text(rec.failed, layout, tags)
            if rec.failed
            else _blank(layout, tags, layout.c_no_items)
        )
    c["task_source"] = rec.task_source
    c["remarks"] = rec.remarks if rec.remarks else _blank(layout, tags)
    return c


#: The column one bad cell of each simple rule goes in (a file without a sampling date
#: gets its bad dates in the announcement date).
_TARGETS = {
    "required_missing": ("product_name", "sampled_unit"),
    "invalid_date": "sampling_date",
    "date_out_of_range": "sampling_date",
    "unknown_value": "sampling_type",
    "invalid_verdict": "verdict",
}


def rules_for(layout: Layout) -> tuple[str, ...]:
    """Row rules a file of this layout can show."""
    cols = layout.cols
    own = ["unknown_county"]
    if "failed_items_text" in cols:
        own.append("verdict_inconsistent")
    if "remarks" in cols and cv.max_cell_chars():
        own.append("value_too_long")
    return d.file_rules(cols, layout.fmt, _TARGETS, *own)


def too_long_text() -> str:
    """A remark pasted with a whole report behind it: longer than the contract allows."""
    limit = cv.max_cell_chars() or 4000
    sentence = "经复检，该批次产品检验结论维持不变，已责令经营者下架并召回同批次产品。"
    return (sentence * (limit // len(sentence) + 2))[: limit + 50]


def inject(
    code: str, rec: MarketRecord, cells: dict[str, Cell], layout: Layout, tags: Tags
) -> d.Emitted:
    """The rows that carry defect ``code`` for ``rec``."""
    rng, cols = layout.rng, layout.cols
    date_col = "sampling_date" if "sampling_date" in cols else "announcement_date"
    targets = {**_TARGETS, "invalid_date": date_col, "date_out_of_range": date_col}
    emitted = d.simple(code, cells, rng, targets, twin=("sampled_unit", "（二店）"))
    if emitted is not None:
        return emitted
    if code == "unknown_county":
        out = dict(cells)
        if "sampled_unit_address" in cols:
            out["sampled_unit_address"] = rng.choice(places.FOREIGN_ADDRESSES)
        if "county_code" in cols:
            if "sampled_unit_address" in cols and rng.random() < 0.5:
                out["county_code"] = ""
            else:
                out["county_code"] = rng.choice(places.FOREIGN_COUNTIES)
        return [(out, code)]
    if code == "verdict_inconsistent":
        out = dict(cells)
        if rec.passed:
            # a pass row that lists failed items
            item = rng.choice(rec.product.fail_items)
            out["failed_items_text"] = failed_text((item,), layout, tags)
        else:
            # a fail row with no failed items (and a plain fail word, so none hides there)
            out["failed_items_text"] = rng.choice(cv.placeholders()[:3])
            if "verdict" in cols:
                out["verdict"] = rng.choice(cv.fail_words())
        return [(out, code)]
    if code == "value_too_long":
        return d.replace(cells, "remarks", too_long_text(), code)
    raise ValueError(f"market_sampling cannot show rule {code!r}")


@dataclass(kw_only=True)
class MarketFile(FileSpec):
    """A market file to write: where, how, and which samples it holds."""

    kinds: tuple[str, ...] = ("food", "drug", "industrial")
    sampling_blank_share: float = 0.0
    fail_prefix_share: float = 0.0
    pass_words: tuple[str, ...] | None = None
    fail_words: tuple[str, ...] | None = None
    field_seps: tuple[str, ...] | None = None
    item_seps: tuple[str, ...] | None = None
    keep_records: bool = False
    #: years the exporting system's clock was ahead (a file for the future_dates rule)
    clock_error_years: int = 0
    #: the verdict of every row when the file has no verdict column and its name does not
    #: tell (a file that must be rejected as undecidable still holds a 合格 list's rows)
    assume_verdict: bool | None = None

    def verdict_from_name(self) -> bool | None:
        if "verdict" in self.columns:
            return None
        value = cv.value_from_file_name(SOURCE, "verdict", Path(self.rel_path).name)
        return self.assume_verdict if value is None else value == "pass"

    def kinds_from_name(self) -> tuple[str, ...]:
        if "sampling_type" in self.columns:
            return self.kinds
        value = cv.value_from_file_name(SOURCE, "sampling_type", Path(self.rel_path).name)
        return (value,) if value else self.kinds


def write_market_file(
    root: Path,
    spec: MarketFile,
    seed: str,
    aliases: AliasPicker,
    ledger: MarketLedger | None,
    *,
    direct: bool = False,
    records: list[MarketRecord] | None = None,
) -> tuple[FileEntry, list[MarketRecord]]:
    """Write one market file; loaded rows go to ``ledger`` (by key, or counted when
    ``direct``). With ``records`` given, those samples are written instead of new ones
    (a corrected re-export)."""
    rng, tags, builder = open_file(root, SOURCE, spec, seed, aliases)
    verdict = spec.verdict_from_name()
    name = Path(spec.rel_path).name
    by_name = cv.value_from_file_name(SOURCE, "verdict", name)
    if "verdict" not in spec.columns and by_name:
        tags.add(f"verdict:from_file_name_{by_name}")
    kinds = spec.kinds_from_name()
    by_name = cv.value_from_file_name(SOURCE, "sampling_type", name)
    if "sampling_type" not in spec.columns and by_name:
        tags.add(f"sampling_type:from_file_name_{by_name}")
    needs_address = "county_code" not in spec.columns or spec.county_blank_share > 0
    factory = RecordFactory(
        rng, spec.batch, kinds, verdict=verdict, addressable_only="county_code" not in spec.columns
    )
    layout = Layout(
        columns=spec.columns,
        fmt=spec.fmt,
        rng=rng,
        date_forms=spec.date_forms,
        county_forms=spec.county_forms,
        county_blank_share=spec.county_blank_share if needs_address else 0.0,
        sampling_blank_share=spec.sampling_blank_share,
        fail_prefix_share=spec.fail_prefix_share,
        pass_words=spec.pass_words or cv.pass_words(),
        fail_words=spec.fail_words or cv.fail_words(),
        field_seps=spec.field_seps or cv.field_separators(),
        item_seps=spec.item_seps or cv.item_separators(),
    )
    schedule = spec.schedule(rules_for(layout), rng)
    kept: list[MarketRecord] = []
    i = 0
    while builder.entry.rows_read < spec.rows:
        if records is not None:
            if i >= len(records):
                break
            rec = records[i]
        else:
            rec = factory.make()
            if spec.clock_error_years:
                rec = _clock_ahead(rec, spec.clock_error_years)
        code = schedule.at(i) if records is None else None
        cells = render(rec, layout, tags)
        emitted = [(cells, None)] if code is None else inject(code, rec, cells, layout, tags)
        if builder.emit_rows(emitted) and ledger is not None:
            if direct:
                ledger.count(rec)
            else:
                ledger.put(rec)
        if spec.keep_records:
            kept.append(rec)
        i += 1
        builder.blank_after(i, spec.blank_between_every)
    return builder.close(), kept


def _clock_ahead(rec: MarketRecord, years: int) -> MarketRecord:
    """Every date of ``rec`` as a system whose clock runs ``years`` ahead writes it."""

    def ahead(day: date) -> date:
        return day.replace(year=day.year + years)

    return replace(
        rec,
        sampling_date=ahead(rec.sampling_date),
        announcement_date=ahead(rec.announcement_date),
        production_date=ahead(rec.production_date) if rec.production_date else None,
    )


def corrected(records: list[MarketRecord], rng: random.Random, share: float) -> list[MarketRecord]:
    """A corrected re-export: the same samples, ``share`` of them (at least one) with the
    verdict flipped (failed items added or removed to match) and a remark saying so."""
    out = []
    flip = {i for i in range(len(records)) if rng.random() < share} or {0}
    for i, rec in enumerate(records):
        if i in flip:
            if rec.passed:
                items = (rng.choice(rec.product.fail_items),)
                rec = replace(rec, passed=False, failed=items, remarks="更正：复检不合格")
            else:
                rec = replace(rec, passed=True, failed=(), remarks="更正：复检合格")
        out.append(rec)
    return out


def write_market_sampling_csv(
    path: Path,
    rows: int,
    seed: int,
    *,
    defect_share: float = 0.0,
    encoding: str = "utf-8",
    title: str = "宜春市市场监督管理局2025年监督抽检信息汇总",
    expected: ExpectedRates | None = None,
    batch: int = 1,
) -> FileEntry:
    """One large market_sampling CSV (all columns, a title row above the header).

    For benchmarks (a million or ten million rows): rows are streamed, never held. With
    ``defect_share`` 0 the file is clean; ``expected`` receives the pass/total counts.
    The returned entry's path is the file name.
    """
    spec = big_csv_spec(path.name, rows, defect_share, encoding, title, batch)
    ledger = MarketLedger(expected) if expected is not None else None
    entry, _ = write_market_file(
        path.parent, spec, f"{seed}:{path.name}", AliasPicker(), ledger, direct=True
    )
    return entry


def big_csv_spec(
    rel_path: str, rows: int, defect_share: float, encoding: str, title: str, batch: int
) -> MarketFile:
    """The layout of the big summary CSV the bureau's back-office system exports."""
    return MarketFile(
        rel_path=rel_path,
        fmt="csv",
        encoding=encoding,
        columns=FULL_COLUMNS,
        rows=rows,
        batch=batch,
        title=title,
        blank_above=1,
        county_blank_share=0.02,
        sampling_blank_share=0.01,
        fail_prefix_share=0.15,
        defect_share=defect_share,
        min_defects=12,
    )
