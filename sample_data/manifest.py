"""The manifest: what the generator wrote and what a correct ingestion must make of it.

``DIR/manifest.json`` is the test oracle for the reader and loader. Shape::

    {
      "seed": 7, "rows": 20000, "defect_share": 0.03,
      "files": [                                  # in the order they must be ingested
        {
          "path": "market_sampling/宜春市….xlsx",  # relative to DIR, "/" separated
          "source": "market_sampling",            # the landing folder = the source the
                                                  # file is dropped for; null for files in
                                                  # _unsorted/ whose source must be detected
          "format": "csv" | "xlsx" | "xls" | "pdf",
          "encoding": "utf-8" | "utf-8-sig" | "gb18030" | null,   # null for workbooks
          "expected_status": "loaded" | "duplicate" | "rejected",
          "reject_rule": null | a file: rule code of messages.yaml,
          "duplicate_of": null | path of the earlier file with identical bytes,
          "corrects": null | path of the file this re-export corrects,
          "rows_read": int,        # data rows (no title/notice/blank/header rows); for a
                                   # rejected file the true count when a header exists, 0
                                   # when none can be found; 0 for a duplicate (never read)
          "rows_loaded": int,
          "rows_quarantined": int, # rows_read = rows_loaded + rows_quarantined when loaded
          "quarantine_rules": {code: count},  # row: rule codes of the quarantined rows
          "row_defects": {code: count},       # defects injected into the rows, also for a
                                              # rejected file (over_threshold shows why)
          "variations": [tag, …]              # the contract variations the file exercises
        }, …
      ],
      "expected": {            # the four measured indicators, from the generator's truth
        "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE": {"<county_code>|360900": {"2025": {
            "passed": int, "total": int}}},
        "QUAL_MFG_PRODUCT_PASS_RATE": {…},
        "QUAL_AGRI_MONITORING_PASS_RATE": {…},
        "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE": {…}
      }
    }

The expected counts follow the contract's formulas over the rows that end up loaded: the
latest version of each natural key across files in manifest order (a correction wins),
quarantined rows and rejected files left out. 360900 is the whole city.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sample_data import contract_view as cv


@dataclass
class FileEntry:
    """One written file and what ingesting it must produce."""

    path: str
    source: str | None
    format: str
    encoding: str | None
    expected_status: str = "loaded"
    reject_rule: str | None = None
    duplicate_of: str | None = None
    corrects: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    quarantine_rules: Counter[str] = field(default_factory=Counter)
    row_defects: Counter[str] = field(default_factory=Counter)
    variations: set[str] = field(default_factory=set)

    def count(self, rule: str | None) -> None:
        """Account for one data row: loaded when ``rule`` is None, else quarantined."""
        self.rows_read += 1
        if rule is None:
            self.rows_loaded += 1
        else:
            self.rows_quarantined += 1
            self.quarantine_rules[rule] += 1
            self.row_defects[rule] += 1

    def reject(self, rule: str) -> None:
        """The whole file is refused: nothing of it loads or is quarantined."""
        self.expected_status = "rejected"
        self.reject_rule = rule
        self.rows_loaded = 0
        self.rows_quarantined = 0
        self.quarantine_rules = Counter()

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "source": self.source,
            "format": self.format,
            "encoding": self.encoding,
            "expected_status": self.expected_status,
            "reject_rule": self.reject_rule,
            "duplicate_of": self.duplicate_of,
            "corrects": self.corrects,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "quarantine_rules": dict(sorted(self.quarantine_rules.items())),
            "row_defects": dict(sorted(self.row_defects.items())),
            "variations": sorted(self.variations),
        }


class ExpectedRates:
    """passed/total per measured indicator, county and year, plus the city total."""

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, dict[str, list[int]]]] = {
            code: defaultdict(lambda: defaultdict(lambda: [0, 0]))
            for code in cv.MEASURED_INDICATORS
        }

    def add(self, indicator: str, county: str, year: int, passed: bool, n: int = 1) -> None:
        cell = self._counts[indicator][county][str(year)]
        cell[0] += n if passed else 0
        cell[1] += n

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        city = cv.city_code()
        for code, by_county in self._counts.items():
            totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
            entry: dict[str, Any] = {}
            for county in sorted(by_county):
                years = by_county[county]
                entry[county] = {
                    y: {"passed": p, "total": t} for y, (p, t) in sorted(years.items())
                }
                for y, (p, t) in years.items():
                    totals[y][0] += p
                    totals[y][1] += t
            entry[city] = {y: {"passed": p, "total": t} for y, (p, t) in sorted(totals.items())}
            out[code] = entry
        return out


@dataclass
class Manifest:
    seed: int
    rows: int
    defect_share: float
    files: list[FileEntry] = field(default_factory=list)
    expected: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "rows": self.rows,
            "defect_share": self.defect_share,
            "files": [f.to_json() for f in self.files],
            "expected": self.expected,
        }

    def write(self, path: Path) -> None:
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")

    @property
    def variations(self) -> set[str]:
        return set().union(*(f.variations for f in self.files)) if self.files else set()

    def entry(self, path: str) -> FileEntry:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(path)
