"""``construction_acceptance`` exports: the 住建局's completion-acceptance ledger.

One row per acceptance attempt. A project that fails its first acceptance comes back for a
second (and sometimes a third), so the natural key is (project, round). Floor area and cost
are drawn first and the scale class is *derived from them by the contract's own rule*, so a
file that omits 工程规模 and a file that states it agree, and the expected first-acceptance
rate does not depend on which file a project is in.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ingestion.contracts.schema import County
from sample_data import contract_view as cv
from sample_data import defects as d
from sample_data import places
from sample_data.builder import AliasPicker, Cycle, FileSpec, Spelling, open_file
from sample_data.cells import Cell, Tags, render_date, render_number
from sample_data.manifest import ExpectedRates, FileEntry
from sample_data.places import pick
from sample_data.pools import (
    BUILDER_WORDS,
    CONTRACTORS,
    PROJECT_KINDS,
    STRUCTURES,
    SUPERVISORS,
)

SOURCE = cv.CONSTRUCTION
FIRST_DAY, LAST_DAY = cv.FIRST_DAY, cv.LAST_DAY
INDICATOR = "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE"
COUNTED_SCALES = ("large", "medium")
_ACCEPTANCE_WORDS = frozenset(
    ("通过", "不通过", "合格", "不合格", "符合", "不符合", "达标", "不达标")
)

FULL_COLUMNS = (
    "project_code", "project_name", "county_code", "address", "builder", "contractor",
    "supervisor_unit", "structure_type", "floor_area_m2", "cost_10k_yuan", "scale_class",
    "acceptance_date", "acceptance_round", "verdict", "filing_no", "filing_date",
)  # fmt: skip


@dataclass(slots=True)
class Attempt:
    round: int
    day: date
    passed: bool


@dataclass(slots=True)
class Project:
    code: str
    name: str
    county: County
    address: str
    builder: str
    contractor: str
    supervisor: str
    structure: str
    floor_area: float
    cost: float
    scale: str
    attempts: list[Attempt]


class ConstructionLedger:
    """Loaded attempts, latest version per (project, round)."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, int], tuple[str, str, int, bool]] = {}

    def put(self, p: Project, a: Attempt) -> None:
        self._rows[(p.code, a.round)] = (p.county.county_code, p.scale, a.day.year, a.passed)

    def finish(self, expected: ExpectedRates) -> None:
        """Large and medium projects by the year of their round-1 acceptance."""
        for (_, rnd), (county, scale, year, passed) in self._rows.items():
            if rnd == 1 and scale in COUNTED_SCALES:
                expected.add(INDICATOR, county, year, passed)


class ProjectFactory:
    def __init__(
        self, rng: random.Random, batch: int, max_rounds: int, addressable_only: bool
    ) -> None:
        self.rng, self.batch, self.max_rounds = rng, batch, max_rounds
        self.counties, self.weights = places.weighted_counties(addressable_only)
        self.seq = 0

    def make(self) -> Project:
        rng = self.rng
        self.seq += 1
        county = rng.choices(self.counties, self.weights)[0]
        addressable = county.county_code in places.TOWNS
        place = places.place_name(county, rng) if addressable else "宜春市"
        town = pick(rng, places.TOWNS[county.county_code]) if addressable else "中心城区"
        name = pick(rng, PROJECT_KINDS).format(
            place=place, town=town, n=1 + int(rng.random() * 30), k=1 + int(rng.random() * 12)
        )
        # log-uniform 2,000 - 150,000 m²; 1,800 - 4,500 yuan per m²
        area = round(math.exp(math.log(2000) + rng.random() * math.log(75)), 2)
        cost = round(area * (0.18 + rng.random() * 0.27), 2)
        day = FIRST_DAY + timedelta(days=int(rng.random() * 290))
        attempts = [Attempt(1, day, rng.random() < 0.85)]
        while not attempts[-1].passed and len(attempts) < self.max_rounds:
            day = day + timedelta(days=15 + int(rng.random() * 45))
            if day > LAST_DAY:
                break
            attempts.append(Attempt(len(attempts) + 1, day, rng.random() < 0.9))
        if addressable:
            s1, s2 = rng.sample(places.STREETS, 2)
            addr = f"宜春市{place}{s1}与{s2}交叉口东北侧"
        else:
            addr = f"宜春市中心城区{pick(rng, places.STREETS)}"
        return Project(
            code=f"{county.county_code}2025{self.batch:02d}{self.seq:05d}",
            name=name,
            county=county,
            address=addr,
            builder=f"{place}{pick(rng, BUILDER_WORDS)}",
            contractor=pick(rng, CONTRACTORS),
            supervisor=pick(rng, SUPERVISORS),
            structure=pick(rng, STRUCTURES),
            floor_area=area,
            cost=cost,
            scale=cv.derive_scale(area, cost),
            attempts=attempts,
        )


@dataclass(kw_only=True)
class ConstructionFile(FileSpec):
    max_rounds: int = 3
    number_forms: tuple[str, ...] = ("plain", "thousands", "fullwidth")


class _Spelling(Spelling):
    def __init__(self, spec: ConstructionFile, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.blank = Cycle(("/", "—", "", "无", "——"), rng)
        # an acceptance is 通过 or 合格, never 阴性 or 合格样品: keep the contract's words a
        # housing office would write
        self.pass_words = Cycle([w for w in cv.pass_words() if w in _ACCEPTANCE_WORDS], rng)
        self.fail_words = Cycle([w for w in cv.fail_words() if w in _ACCEPTANCE_WORDS], rng)
        self.scales = {
            s: Cycle(cv.export_words(SOURCE, "scale_class", s), rng)
            for s in cv.vocabulary(SOURCE, "scale_class")
        }


def render(p: Project, a: Attempt, sp: _Spelling, tags: Tags) -> dict[str, Cell]:
    rng, fmt = sp.rng, sp.fmt
    c: dict[str, Cell] = {
        "project_code": p.code,
        "project_name": p.name,
        "address": p.address,
        "builder": p.builder,
        "contractor": p.contractor,
        "supervisor_unit": p.supervisor,
        "structure_type": p.structure,
    }
    if "county_code" in sp.cols:
        c["county_code"] = places.county_text(p.county, sp.county.next(), rng, tags)
    else:
        tags.add("county:column_absent_from_address")
    for column, value in (("floor_area_m2", p.floor_area), ("cost_10k_yuan", p.cost)):
        form = sp.numbers.next()
        if fmt != "csv" and rng.random() < 0.6:
            form = "native"
        c[column] = render_number(value, 2, form, fmt, tags)
    if "scale_class" in sp.cols:
        c["scale_class"] = word = sp.scales[p.scale].next()
        tags.add(f"scale_class:{word}")
    else:
        tags.add("construction:scale_from_size")
    if "acceptance_round" in sp.cols:
        c["acceptance_round"] = a.round if fmt != "csv" else str(a.round)
    else:
        tags.add("construction:round_defaults_to_1")
    if len(p.attempts) > 1:
        tags.add("construction:several_rounds")
    c["acceptance_date"] = render_date(a.day, sp.dates.next(), fmt, tags)
    word = sp.pass_words.next() if a.passed else sp.fail_words.next()
    tags.add(f"verdict:{word}")
    c["verdict"] = word
    if a.passed:
        filed = min(a.day + timedelta(days=3 + int(rng.random() * 12)), LAST_DAY)
        c["filing_no"] = f"{p.code}-JB-{a.round:02d}"
        c["filing_date"] = render_date(filed, sp.dates.next(), fmt, tags)
    else:
        c["filing_no"] = sp.blank.next()
        c["filing_date"] = sp.blank.next()
    return c


def rules_for(spec: ConstructionFile) -> tuple[str, ...]:
    bounded = cv.out_of_range_value(SOURCE, "floor_area_m2") is not None
    own = ("unknown_county", *(("out_of_range",) if bounded else ()))
    return d.file_rules(spec.columns, spec.fmt, _TARGETS, *own)


#: The column one bad cell of each simple rule goes in, and the words of its own it uses.
_TARGETS = {
    "required_missing": "project_name",
    "invalid_date": "acceptance_date",
    "date_out_of_range": "acceptance_date",
    "invalid_number": "floor_area_m2",
    "invalid_integer": "acceptance_round",
    "unknown_value": "scale_class",
    "invalid_verdict": "verdict",
}
_WORDS = {"unknown_value": ("未分级", "其他")}


def inject(code: str, cells: dict[str, Cell], sp: _Spelling) -> d.Emitted:
    rng = sp.rng
    emitted = d.simple(code, cells, rng, _TARGETS, words=_WORDS, twin=("project_name", "（二期）"))
    if emitted is not None:
        return emitted
    if code == "unknown_county":
        county = "county_code" if "county_code" in sp.cols else None
        codes_only = all(f == "code" for f in sp.county.items)
        return d.unknown_county(cells, county, ("address",), rng, codes_only=codes_only)
    if code == "out_of_range":
        value = cv.out_of_range_value(SOURCE, "floor_area_m2")
        assert value is not None
        return d.replace(cells, "floor_area_m2", f"{value - 1234.5:.2f}", code)
    raise ValueError(f"construction_acceptance cannot show rule {code!r}")


def write_construction_file(
    root: Path,
    spec: ConstructionFile,
    seed: str,
    aliases: AliasPicker,
    ledger: ConstructionLedger | None,
) -> FileEntry:
    """Write one construction file, whole projects at a time, until ``spec.rows`` rows.

    Without an 验收次数 column every row is read as round 1, so such a file holds each
    project's first attempt only.
    """
    rng, tags, builder = open_file(root, SOURCE, spec, seed, aliases)
    has_round = "acceptance_round" in spec.columns
    factory = ProjectFactory(
        rng, spec.batch, spec.max_rounds if has_round else 1, "county_code" not in spec.columns
    )
    sp = _Spelling(spec, rng)
    schedule = spec.schedule(rules_for(spec), rng)
    i = 0
    while builder.entry.rows_read < spec.rows:
        project = factory.make()
        for attempt in project.attempts:
            code = schedule.at(i)
            i += 1
            cells = render(project, attempt, sp, tags)
            loaded = builder.emit_rows([(cells, None)] if code is None else inject(code, cells, sp))
            if loaded and ledger is not None:
                ledger.put(project, attempt)
    return builder.close()
