"""``agri_testing`` exports: the 农业农村局's residue tests, one row per sample × item.

A sample has several items (pesticides for produce, veterinary drugs for meat and fish);
it passes when every loaded item passes, and only quantitative samples count toward the
monitoring pass rate. Measured values are kept consistent with the verdict (a fail is above
its limit, a pass below it or not detected), so that the contract's check
``measured_value_matches_verdict`` quarantines exactly the rows the manifest says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ingestion.contracts.schema import County
from sample_data import contract_view as cv
from sample_data import defects as d
from sample_data import places
from sample_data.builder import AliasPicker, Cycle, FileSpec, Spelling, open_file
from sample_data.cells import Cell, Tags, fmt_decimal, render_date, render_number
from sample_data.manifest import ExpectedRates, FileEntry
from sample_data.places import pick
from sample_data.pools import (
    AGRI_GROUPS,
    AGRI_LABS,
    AGRI_RAPID_LABS,
    AGRI_SITE_KINDS,
    AGRI_STAGES,
    RAPID_ITEMS,
    AgriItem,
)

SOURCE = cv.AGRI
FIRST_DAY, LAST_DAY = cv.FIRST_DAY, cv.LAST_DAY
INDICATOR = "QUAL_AGRI_MONITORING_PASS_RATE"

FULL_COLUMNS = (
    "sample_id", "sample_name", "product_group", "county_code", "sampling_site",
    "sampling_stage", "sampling_date", "test_method", "test_item", "measured_value", "unit",
    "limit_value", "standard", "verdict", "lab",
)  # fmt: skip


@dataclass(slots=True)
class ItemResult:
    item: AgriItem
    measured: float | None  # None: not detected (or a rapid test with no reading)
    passed: bool


@dataclass(slots=True)
class AgriSample:
    sample_id: str
    sample_name: str
    group: str
    county: County
    site: str
    stage: str
    sampling_date: date
    method: str  # quantitative | rapid
    lab: str
    items: list[ItemResult]


class SampleFactory:
    def __init__(
        self, rng: random.Random, batch: int, methods: tuple[str, ...], addressable_only: bool
    ) -> None:
        self.rng, self.batch, self.methods = rng, batch, methods
        self.counties, self.weights = places.weighted_counties(addressable_only)
        self.groups = list(AGRI_GROUPS)
        self.seq = 0

    def make(self) -> AgriSample:
        rng = self.rng
        self.seq += 1
        group = pick(rng, self.groups)
        names, pool = AGRI_GROUPS[group]
        county = rng.choices(self.counties, self.weights)[0]
        stage = pick(rng, AGRI_STAGES[group])
        kind = AGRI_SITE_KINDS[stage]
        site = (
            places.site(county, kind, rng)
            if county.county_code in places.TOWNS
            else f"宜春市中心城区{kind}"
        )
        method = pick(rng, self.methods)
        sampled = FIRST_DAY + timedelta(days=int(rng.random() * ((LAST_DAY - FIRST_DAY).days + 1)))
        if method == "rapid":
            rapid = RAPID_ITEMS[1] if group in ("畜禽产品",) else RAPID_ITEMS[0]
            items = [self._result(rapid, rng.random() >= 0.02)]
            lab = pick(rng, AGRI_RAPID_LABS)
        else:
            chosen = rng.sample(pool, min(len(pool), 2 + int(rng.random() * 4)))
            fail_at = int(rng.random() * len(chosen)) if rng.random() < 0.04 else -1
            items = [self._result(it, i != fail_at) for i, it in enumerate(chosen)]
            lab = pick(rng, AGRI_LABS)
        return AgriSample(
            sample_id=f"NC25{county.county_code}{self.batch:02d}{self.seq:07d}",
            sample_name=pick(rng, names),
            group=group,
            county=county,
            site=site,
            stage=stage,
            sampling_date=sampled,
            method=method,
            lab=lab,
            items=items,
        )

    def _result(self, item: AgriItem, passed: bool) -> ItemResult:
        rng = self.rng
        if item.limit is None:
            # must not be detected: a pass is ND, a fail a small positive reading
            value = None if passed else round(0.5 + rng.random() * 4, item.decimals)
            return ItemResult(item, value, passed)
        if passed:
            if item.unit == "%":
                value = round(item.limit * (0.1 + rng.random() * 0.8), item.decimals)
            elif rng.random() < 0.5:
                value = None
            else:
                value = round(item.limit * (0.05 + rng.random() * 0.75), item.decimals)
        else:
            value = round(item.limit * (1.5 + rng.random() * 10), item.decimals)
        return ItemResult(item, value, passed)


@dataclass(kw_only=True)
class AgriFile(FileSpec):
    methods: tuple[str, ...] = ("quantitative", "quantitative", "quantitative", "rapid")
    number_forms: tuple[str, ...] = ("plain", "plain", "fullwidth", "unit")
    limit_forms: tuple[str, ...] = ("plain", "le", "unit", "fullwidth")


class _Spelling(Spelling):
    """The rotating spellings of one file."""

    def __init__(self, spec: AgriFile, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.limits = Cycle(spec.limit_forms, rng)
        self.county_blank_share = spec.county_blank_share
        self.below = Cycle((*cv.below_detection_words(), "<"), rng)
        self.blank = Cycle(("/", "—", "", "-", "无"), rng)
        self.methods = {
            m: Cycle(cv.export_words(SOURCE, "test_method", m), rng)
            for m in ("quantitative", "rapid")
        }
        self.pass_words = Cycle(cv.pass_words(), rng)
        self.fail_words = Cycle(cv.fail_words(), rng)
        # a rapid test reads 阴性/阳性 when the contract knows those words
        self.rapid_pass = "阴性" if "阴性" in cv.pass_words() else cv.pass_words()[0]
        self.rapid_fail = "阳性" if "阳性" in cv.fail_words() else cv.fail_words()[0]
        self.plain_pass = [w for w in ("合格", "符合") if w in cv.pass_words()] or [
            cv.pass_words()[0]
        ]


def _number(x: float, item: AgriItem, form: str, sp: _Spelling, tags: Tags) -> Cell:
    if form == "unit" and item.unit == "%":
        return render_number(x, item.decimals, "percent", sp.fmt, tags)
    if form == "le":
        return render_number(x, item.decimals, "le", sp.fmt, tags)
    if x >= 1000 and sp.rng.random() < 0.5:
        return render_number(x, item.decimals, "thousands", sp.fmt, tags)
    if sp.fmt != "csv" and form == "plain" and sp.rng.random() < 0.5:
        form = "native"
    return render_number(x, item.decimals, form, sp.fmt, tags, unit=item.unit)


def render(s: AgriSample, r: ItemResult, sp: _Spelling, tags: Tags) -> dict[str, Cell]:
    rng, item = sp.rng, r.item
    c: dict[str, Cell] = {
        "sample_id": s.sample_id,
        "sample_name": s.sample_name,
        "product_group": s.group,
        "sampling_site": s.site,
        "sampling_stage": s.stage,
        "test_item": item.item,
        "unit": item.unit,
        "standard": item.standard,
        "lab": s.lab,
    }
    if "county_code" in sp.cols:
        if (
            sp.county_blank_share
            and s.county.county_code in places.TOWNS
            and rng.random() < sp.county_blank_share
        ):
            c["county_code"] = sp.blank.next()
            tags.add("county:blank_from_address")
        else:
            c["county_code"] = places.county_text(s.county, sp.county.next(), rng, tags)
    else:
        tags.add("county:column_absent_from_address")
    c["sampling_date"] = render_date(s.sampling_date, sp.dates.next(), sp.fmt, tags)
    word = sp.methods[s.method].next()
    tags.add(f"test_method:{word}")
    c["test_method"] = word
    if r.measured is None:
        if s.method == "rapid":
            c["measured_value"] = sp.blank.next()
        else:
            below = sp.below.next()
            if below == "<":
                limit = item.limit or 1.0
                below = f"<{fmt_decimal(limit / 10, item.decimals + 1)}"
                tags.add("below_detection:<x")
            else:
                tags.add(f"below_detection:{below}")
            c["measured_value"] = below
    else:
        c["measured_value"] = _number(r.measured, item, sp.numbers.next(), sp, tags)
    if item.limit is None:
        c["limit_value"] = sp.blank.next()
    else:
        c["limit_value"] = _number(item.limit, item, sp.limits.next(), sp, tags)
    rapid = s.method == "rapid" and rng.random() < 0.7
    if r.passed:
        word = sp.rapid_pass if rapid else sp.pass_words.next()
    else:
        word = sp.rapid_fail if rapid else sp.fail_words.next()
    tags.add(f"verdict:{word}")
    c["verdict"] = word
    return c


def rules_for(spec: AgriFile) -> tuple[str, ...]:
    bounded = cv.out_of_range_value(SOURCE, "measured_value") is not None
    own = ("unknown_county", "verdict_inconsistent", *(("out_of_range",) if bounded else ()))
    return d.file_rules(spec.columns, spec.fmt, _TARGETS, *own)


#: The column one bad cell of each simple rule goes in, and the words of its own it uses.
_TARGETS = {
    "required_missing": "sample_name",
    "invalid_date": "sampling_date",
    "date_out_of_range": "sampling_date",
    "invalid_number": "measured_value",
    "unknown_value": "test_method",
    "invalid_verdict": "verdict",
}
_WORDS = {"unknown_value": ("目测", "感官检验")}


def inject(code: str, r: ItemResult, cells: dict[str, Cell], sp: _Spelling) -> d.Emitted:
    rng = sp.rng
    emitted = d.simple(code, cells, rng, _TARGETS, words=_WORDS, twin=("sample_name", "（复检）"))
    if emitted is not None:
        return emitted
    if code == "unknown_county":
        out = dict(cells)
        out["sampling_site"] = f"{rng.choice(places.FOREIGN_ADDRESSES)}农贸市场"
        if "county_code" in sp.cols:
            out["county_code"] = rng.choice(("", *places.FOREIGN_COUNTIES))
        return [(out, code)]
    if code == "verdict_inconsistent":
        # a measured value above a numeric limit, reported as a pass
        limit = r.item.limit or 1.0
        out = dict(cells)
        out["limit_value"] = fmt_decimal(limit, r.item.decimals)
        out["measured_value"] = fmt_decimal(limit * 3, r.item.decimals)
        out["verdict"] = rng.choice(sp.plain_pass)
        return [(out, code)]
    if code == "out_of_range":
        # a negative reading, reported as a pass so the verdict check has nothing to say
        out = dict(cells)
        value = cv.out_of_range_value(SOURCE, "measured_value")
        assert value is not None
        out["measured_value"] = fmt_decimal(value, r.item.decimals)
        if not r.passed:
            out["verdict"] = rng.choice(sp.plain_pass)
        return [(out, code)]
    raise ValueError(f"agri_testing cannot show rule {code!r}")


def write_agri_file(
    root: Path,
    spec: AgriFile,
    seed: str,
    aliases: AliasPicker,
    expected: ExpectedRates | None,
) -> FileEntry:
    """Write one agri file, whole samples at a time, until ``spec.rows`` rows are written.

    Agri sample ids appear in one file only, so each sample's outcome is counted as soon
    as its rows are written (no need to hold samples for a later correction).
    """
    rng, tags, builder = open_file(root, SOURCE, spec, seed, aliases)
    factory = SampleFactory(rng, spec.batch, spec.methods, "county_code" not in spec.columns)
    sp = _Spelling(spec, rng)
    schedule = spec.schedule(rules_for(spec), rng)
    i = 0
    while builder.entry.rows_read < spec.rows:
        sample = factory.make()
        if len(sample.items) > 1:
            tags.add("agri:sample_with_several_items")
        outcomes: list[bool] = []
        for result in sample.items:
            code = schedule.at(i)
            i += 1
            cells = render(sample, result, sp, tags)
            if builder.emit_rows(
                [(cells, None)] if code is None else inject(code, result, cells, sp)
            ):
                outcomes.append(result.passed)
            builder.blank_after(i, spec.blank_between_every)
        if expected is not None and outcomes and sample.method == "quantitative":
            expected.add(INDICATOR, sample.county.county_code, sample.sampling_date.year,
                         all(outcomes))  # fmt: skip
    return builder.close()
