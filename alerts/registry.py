"""The department registry (`departments.yaml`): what is about departments, not sources.

It holds who leads the plan, the data team, delivery settings and the indicators each
department is named for. A department's names come from `dbt_project/seeds/departments.csv`
and the sources it delivers, with their cadence and alert share, from the source contracts
(`department_code`, `cadence_days`, `quarantine_alert_share`): each fact has one home, this
file copies none. The file is validated against a typed schema when first read. It
deliberately holds no real contact addresses (see :mod:`alerts.contacts`).
`registry_problems` cross-checks it against the contracts and the plan's indicator seed;
the tests require it to find nothing, yet a drift never stops a load.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ingestion.contracts import all_contracts, departments, get_contract, indicators
from ingestion.contracts.loader import SEEDS_DIR, read_yaml

REGISTRY_PATH = Path(__file__).with_name("departments.yaml")
DATA_TEAM = "DATA_TEAM"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSpec(_Strict):
    url: str
    kind: str | None = None  # dingtalk | wecom; guessed from the URL's host when absent
    secret: str | None = None


class SourceDuty(_Strict):
    """A source a department delivers: its contract's cadence and alert share."""

    cadence_days: int = Field(gt=0)
    #: a loaded file with more than this share of rows quarantined raises an alert
    quarantine_alert_share: float = Field(ge=0, le=1)


class Department(_Strict):
    code: str = ""  # filled from the mapping key
    #: filled from departments.csv by code (the data team's are given here)
    name_zh: str
    name_en: str | None = None
    email: tuple[str, ...] = ()
    webhook: WebhookSpec | None = None
    indicators: tuple[str, ...] = ()

    @property
    def sources(self) -> dict[str, SourceDuty]:
        """The sources whose contracts name this department, with their duty."""
        return {
            c.name: SourceDuty(
                cadence_days=c.cadence_days, quarantine_alert_share=c.quarantine_alert_share
            )
            for c in all_contracts()
            if c.department_code == self.code
        }


class Delivery(_Strict):
    backoff_base_seconds: float = Field(gt=0)
    backoff_cap_seconds: float = Field(gt=0)
    lease_seconds: float = Field(gt=0)
    attachment_grace_seconds: float = Field(ge=0)
    email_from: str
    workbook_link_base: str | None = None


class Registry(_Strict):
    quality_office: str
    data_team: Department
    delivery: Delivery
    departments: dict[str, Department]

    @model_validator(mode="before")
    @classmethod
    def _codes_from_keys(cls, data: dict) -> dict:
        data = dict(data)
        names = departments()
        data["departments"] = {
            code: {
                "name_zh": names[code].name_zh if code in names else code,
                "name_en": names[code].name_en if code in names else None,
                **(entry or {}),
                "code": code,
            }
            for code, entry in (data.get("departments") or {}).items()
        }
        data["data_team"] = {**(data.get("data_team") or {}), "code": DATA_TEAM}
        return data

    @model_validator(mode="after")
    def _references_exist(self) -> Registry:
        if self.quality_office not in self.departments:
            raise ValueError(f"quality_office {self.quality_office!r} is not a department")
        return self

    # -- lookups ---------------------------------------------------------------------------

    def department(self, code: str) -> Department:
        if code == DATA_TEAM:
            return self.data_team
        return self.departments[code]

    def owner_of_source(self, source: str | None) -> Department | None:
        """The department the source's contract names; None for no or an unknown source."""
        try:
            code = get_contract(source).department_code if source else None
        except KeyError:
            return None
        return self.departments.get(code) if code else None

    def source_duty(self, source: str) -> SourceDuty | None:
        owner = self.owner_of_source(source)
        return owner.sources[source] if owner else None

    def owners_of_indicator(self, indicator_code: str) -> list[Department]:
        return [d for d in self.departments.values() if indicator_code in d.indicators]

    def everyone(self) -> list[Department]:
        """Every department and the data team, in file order."""
        return [*self.departments.values(), self.data_team]


def read_registry(path: Path) -> Registry:
    return Registry.model_validate(read_yaml(path))


@cache
def load_registry() -> Registry:
    """The committed registry, read once per process."""
    return read_registry(REGISTRY_PATH)


def _seed_department_codes() -> dict[str, str]:
    """Plan name (and alias) -> department code, from the departments seed."""
    with (SEEDS_DIR / "departments.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["name_zh"]: r["department_code"] for r in rows}
    names |= {r["alias_zh"]: r["department_code"] for r in rows if r["alias_zh"]}
    return names


def _seed_indicator_owners() -> dict[str, set[str]]:
    """Department code -> indicator codes it is named for, from plan_indicators.csv."""
    codes = _seed_department_codes()
    with (SEEDS_DIR / "plan_indicators.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    owners: dict[str, set[str]] = {}
    for row in rows:
        for name in row["responsible_departments"].split("、"):
            owners.setdefault(codes[name], set()).add(row["indicator_code"])
    return owners


def registry_problems(registry: Registry) -> list[str]:
    """Where the registry disagrees with the contracts and seeds (empty when it agrees)."""
    problems: list[str] = [
        f"{dept.code} is not in departments.csv"
        for dept in registry.departments.values()
        if dept.code not in departments()
    ]
    problems += [
        f"source {c.name} belongs to {c.department_code}, which is not a department here"
        for c in all_contracts()
        if c.department_code not in registry.departments
    ]
    for dept in registry.departments.values():
        problems += [
            f"{dept.code} owns unknown indicator {i}"
            for i in dept.indicators
            if i not in indicators()
        ]
    expected = _seed_indicator_owners()
    for code in sorted(set(expected) | set(registry.departments)):
        have = set(registry.departments[code].indicators) if code in registry.departments else set()
        want = expected.get(code, set())
        if have != want:
            problems.append(
                f"{code}: indicators missing {sorted(want - have)}, extra {sorted(have - want)}"
            )
    return problems
