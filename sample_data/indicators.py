"""``indicator_reports``: the return template each responsible department fills in.

One row per indicator × county × period for the plan indicators that no transactional
export measures. The four measured indicators are never reported here (the marts compute
them), and indicators whose unit the plan leaves empty (an index, a satisfaction score, a
centre "built") are left out: the contract makes ``unit`` required *and* says it must equal
the indicator's unit, which for them is nothing, so no row could be both valid and honest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.contracts.schema import County, Indicator
from sample_data import contract_view as cv
from sample_data import defects as d
from sample_data import places
from sample_data.builder import AliasPicker, Cycle, FileSpec, open_file
from sample_data.cells import Cell, Tags, render_number
from sample_data.manifest import FileEntry
from sample_data.pools import department

SOURCE = cv.INDICATORS
FULL_COLUMNS = (
    "indicator_code", "indicator_name", "county_code", "period", "value", "unit",
    "department", "remarks",
)  # fmt: skip
PERIOD_FORMS = ("year", "year_cn", "quarter", "quarter_cn", "month", "month_cn")
_QUARTERS_CN = ("一", "二", "三")
COUNTIES_PER_INDICATOR = 4


def reportable() -> list[Indicator]:
    """Indicators a department reports: not measured, with a unit to report in."""
    return [
        ind
        for code, ind in cv.indicator_table().items()
        if code not in cv.MEASURED_INDICATORS and ind.unit
    ]


def period_text(form: str, rng: random.Random) -> str:
    """A 2025 period (never later than Q3 / September: returns are not from the future)."""
    q = 1 + int(rng.random() * 3)
    m = 1 + int(rng.random() * 9)
    return {
        "year": "2025",
        "year_cn": "2025年",
        "quarter": f"2025Q{q}",
        "quarter_cn": f"2025年第{_QUARTERS_CN[q - 1]}季度",
        "month": f"2025-{m:02d}",
        "month_cn": f"2025年{m}月",
    }[form]


@dataclass(kw_only=True)
class IndicatorFile(FileSpec):
    """A return: every column, one row per indicator × (city + a few counties)."""

    indicators: list[Indicator] = field(default_factory=list)
    columns: tuple[str, ...] = FULL_COLUMNS
    rows: int = 0  # follows from the indicators


def _value(ind: Indicator, rng: random.Random, fmt: str, forms: Cycle[str], tags: Tags) -> Cell:
    if ind.unit == "%":
        x = round(40 + rng.random() * 60, 1)
        form = forms.next()
        form = {"thousands": "plain"}.get(form, form)
        if form == "percent":
            return render_number(x, 1, "percent", fmt, tags)
        return render_number(x, 1, "native" if form == "native" else form, fmt, tags)
    x = float(int(1 + rng.random() * (1500 if ind.indicator_code.startswith("GREEN") else 60)))
    form = forms.next()
    if form == "percent":
        form = "plain"
    if form == "thousands" and x < 1000:
        form = "plain"
    return render_number(x, 0, form, fmt, tags)


def write_indicator_file(
    root: Path, spec: IndicatorFile, seed: str, aliases: AliasPicker
) -> FileEntry:
    rng, tags, builder = open_file(root, SOURCE, spec, seed, aliases)
    counties = [c for c in cv.county_table() if c.county_code != "360999"]
    periods = Cycle(PERIOD_FORMS, rng)
    value_forms = Cycle(
        ("plain", "fullwidth", "thousands", "percent", "native" if spec.fmt != "csv" else "plain"),
        rng,
    )
    county_forms = Cycle(("full", "short", "variant"), rng)
    city_words = Cycle(("", "全市"), rng)
    units = sorted({ind.unit for ind in cv.indicator_table().values() if ind.unit})
    all_names = [ind.name_zh for ind in cv.indicator_table().values()]
    rows: list[tuple[Indicator, County | None]] = []
    for ind in spec.indicators:
        rows.append((ind, None))
        rows.extend((ind, c) for c in rng.sample(counties, COUNTIES_PER_INDICATOR))
    schedule = spec.schedule((), rng, rows=len(rows))
    for i, (ind, county) in enumerate(rows):
        form = periods.next()
        tags.add(f"period:{form}")
        if county is None:
            place = city_words.next()
            tags.add(f"county:city_{place or 'blank'}")
        else:
            place = places.county_text(county, county_forms.next(), rng, tags)
        cells: dict[str, Cell] = {
            "indicator_code": ind.indicator_code,
            "indicator_name": ind.name_zh if rng.random() < 0.85 else "",
            "county_code": place,
            "period": period_text(form, rng),
            "value": _value(ind, rng, spec.fmt, value_forms, tags),
            "unit": ind.unit,
            "department": department(ind.indicator_code),
            "remarks": "" if rng.random() < 0.8 else "根据统计快报填报",
        }
        code = schedule.at(i)
        builder.emit_rows(
            [(cells, None)] if code is None else _inject(code, ind, cells, rng, units, all_names)
        )
    return builder.close()


#: The column one bad cell of each simple rule goes in, and the words of its own it uses.
_TARGETS = {"required_missing": "value", "invalid_number": "value", "invalid_period": "period"}
_WORDS = {"required_missing": ("", "/", "—")}


def _inject(
    code: str,
    ind: Indicator,
    cells: dict[str, Cell],
    rng: random.Random,
    units: list[str],
    names: list[str],
) -> d.Emitted:
    emitted = d.simple(code, cells, rng, _TARGETS, words=_WORDS)
    if emitted is not None:
        return emitted
    if code == "unknown_county":
        return d.replace(cells, "county_code", rng.choice(places.FOREIGN_COUNTIES), code)
    if code == "unknown_indicator":
        out = dict(cells)
        out["indicator_code"] = rng.choice(d.UNKNOWN_INDICATORS)
        out["indicator_name"] = ""
        return [(out, code)]
    if code == "unit_mismatch":
        out = dict(cells)
        out["unit"] = rng.choice([u for u in units if u != ind.unit])
        out["value"] = "12"
        return [(out, code)]
    if code == "indicator_name_mismatch":
        out = dict(cells)
        out["indicator_name"] = rng.choice([n for n in names if n != ind.name_zh])
        return [(out, code)]
    if code == "duplicate_key":
        other = dict(cells)
        other["value"] = "99" if cells["value"] != "99" else "98"
        return d.duplicate_key(cells, other)
    raise ValueError(f"indicator_reports cannot show rule {code!r}")
