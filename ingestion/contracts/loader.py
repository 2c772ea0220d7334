"""Reads and caches the contract files; the only module that knows where they are."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from ingestion.contracts.schema import CommonRules, Contract, County, Indicator
from qcity.settings import DBT_PROJECT_DIR

CONTRACTS_DIR = Path(__file__).parent
#: Reference data shared with dbt (seeds are the single place counties and indicators live).
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
SOURCES_DIR = CONTRACTS_DIR / "sources"


#: libyaml's safe loader when PyYAML was built with it: the same documents, parsed 8x
#: faster than by the pure-Python `SafeLoader` (every contract, the common rules and the
#: registry: 0.126 s of CPU against 0.015 s), which a fresh process pays once.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> dict:
    """A committed YAML file (contracts, common rules, the department registry), safely."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=SAFE_LOADER)  # SAFE_LOADER is a safe loader


@cache
def common_rules() -> CommonRules:
    return CommonRules.model_validate(read_yaml(CONTRACTS_DIR / "common.yaml"))


@cache
def source_names() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in SOURCES_DIR.glob("*.yaml")))


@cache
def get_contract(name: str) -> Contract:
    path = SOURCES_DIR / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(source_names())
        raise KeyError(f"unknown source {name!r}; known sources: {known}")
    contract = Contract.model_validate(read_yaml(path))
    if contract.department_code not in departments():
        raise ValueError(
            f"contract {name}: department_code {contract.department_code!r} "
            "is not in dbt_project/seeds/departments.csv"
        )
    return contract


def all_contracts() -> list[Contract]:
    return [get_contract(n) for n in source_names()]


def _read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class DepartmentNames:
    """A department's names, kept once, in the departments seed (the plan's 责任单位)."""

    code: str
    name_zh: str
    name_en: str


@cache
def departments() -> dict[str, DepartmentNames]:
    """Department code -> its names, from dbt_project/seeds/departments.csv."""
    return {
        r["department_code"]: DepartmentNames(r["department_code"], r["name_zh"], r["name_en"])
        for r in _read_seed("departments.csv")
    }


def department_name(code: str) -> str:
    """The Chinese name clerks know a department by, from its code."""
    return departments()[code].name_zh


@cache
def messages() -> dict[str, dict[str, str]]:
    """Rule code -> {zh, en} sentence templates, shared by quarantine, rejections and alerts."""
    return read_yaml(CONTRACTS_DIR / "messages.yaml")


@cache
def counties() -> tuple[County, ...]:
    return tuple(
        County(
            county_code=r["county_code"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            variants=tuple(v for v in r["variants"].split("|") if v),
        )
        for r in _read_seed("counties.csv")
    )


@cache
def indicators() -> dict[str, Indicator]:
    rows = _read_seed("plan_indicators.csv")
    return {
        r["indicator_code"]: Indicator.model_validate({**r, "unit": r.get("unit") or None})
        for r in rows
    }
