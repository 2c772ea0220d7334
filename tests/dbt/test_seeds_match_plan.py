"""The reference seeds say what the plan says: targets, clauses, responsible units.

The plan (dbt_project/plan/000_7452b9ca3879e3e2.txt) is parsed here on its own terms:
二、主要目标 holds most targets, 三、主要内容 holds numbered clauses under (一)…(七), each
ending in "(责任单位:…)". The seeds must quote the plan, not paraphrase it.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

import pytest

from ingestion.contracts import all_contracts

ROOT = Path(__file__).resolve().parents[2]
PLAN_FILE = ROOT / "dbt_project" / "plan" / "000_7452b9ca3879e3e2.txt"
SHARED_PLAN = ROOT.parent / "shared" / "seed" / PLAN_FILE.name
SHARED_CONTRACT = ROOT.parent / "shared" / "spec" / "export-templates.md"
SEEDS = ROOT / "dbt_project" / "seeds"
GOALS = "二、主要目标"

#: The contract's indicator list (shared/spec/export-templates.md); codes are fixed.
CONTRACT_CODES = {
    "ECON_DIGITAL_CORE_GDP_SHARE", "ECON_STRATEGIC_EMERGING_SHARE",
    "ECON_HIGH_VALUE_PATENTS_PER_10K", "ECON_NATIONAL_LITTLE_GIANTS",
    "ECON_NATIONAL_SINGLE_CHAMPIONS", "ECON_PROVINCIAL_SINGLE_CHAMPIONS",
    "ECON_PROVINCIAL_LITTLE_GIANTS", "ECON_PROVINCIAL_SRDI_SMES",
    "ECON_MFG_QUALITY_COMPETITIVENESS", "QUAL_AGRI_MONITORING_PASS_RATE",
    "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "QUAL_MFG_PRODUCT_PASS_RATE",
    "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "QUAL_PUBLIC_SERVICE_SATISFACTION",
    "STD_INTL_NATIONAL_INDUSTRY", "STD_LOCAL", "STD_GROUP", "BRAND_GI_TRADEMARKS",
    "BRAND_GI_PROTECTED_PRODUCTS", "BRAND_GREEN_ORGANIC_GI_AGRI", "BRAND_JINGGANG_AWARD",
    "INFRA_LITHIUM_METROLOGY_CENTER", "INFRA_SELENIUM_FOOD_CENTER",
    "INFRA_COUNTY_ONE_STOP_COVERAGE", "GREEN_ECO_STANDARDS_CERTS",
    "AGRI_GRAIN_TRUSTEESHIP_SHARE", "SVC_PROVINCIAL_DESIGN_CENTERS", "TOUR_PASTORAL_COMPLEXES",
    "TOUR_BEAUTIFUL_LEISURE_VILLAGES", "TOUR_LEISURE_AGRI_KEY_COUNTY",
    "SVC_TOWNSHIP_NURSING_HOMES_L1", "SVC_COUNTY_WELFARE_HOMES_L2", "SVC_CITY_STUDY_ROOMS",
    "ENT_CHIEF_QUALITY_OFFICER_COVERAGE",
}  # fmt: skip

#: The four rates the contract measures from exports, and the export each comes from.
MEASURED = {
    "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE": "market_sampling",
    "QUAL_MFG_PRODUCT_PASS_RATE": "market_sampling",
    "QUAL_AGRI_MONITORING_PASS_RATE": "agri_testing",
    "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE": "construction_acceptance",
}

#: Targets the plan states in words rather than digits.
WORDED_NUMBERS = {"全覆盖": 100.0, "十大": 10.0}
#: Wording of targets that are a level, a rank or a thing built: no number, no comparator.
QUALITATIVE_WORDS = ("全省先进水平", "全省前列", "建成")
CHINESE_ORDINALS = "一二三四五六七八九十"


def _read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def split_names(text: str) -> list[str]:
    """Split a 、-separated list, leaving 、 inside parentheses alone (县(市、区))."""
    names, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "(（"
        depth -= ch in ")）"
        if ch == "、" and depth == 0:
            names.append(current)
            current = ""
        else:
            current += ch
    return [*names, current]


@cache
def plan_text() -> str:
    return PLAN_FILE.read_text(encoding="utf-8")


@cache
def plan_structure() -> tuple[str, dict[str, str]]:
    """The text of 二、主要目标 and every clause of 三、主要内容 keyed like 三（五）14."""
    goals, clauses = [], {}
    major = sub = None
    for line in plan_text().splitlines():
        if m := re.match(rf"^([{CHINESE_ORDINALS}]+)、", line):
            major, sub = m.group(1), None
        elif m := re.match(rf"^[(（]([{CHINESE_ORDINALS}]+)[)）]", line):
            sub = m.group(1)
        if major == "二":
            goals.append(line)
        elif major == "三" and (m := re.match(r"^(\d+)\.", line)):
            clauses[f"三（{sub}）{m.group(1)}"] = line
    return "\n".join(goals), clauses


def responsible_units(clause_text: str) -> tuple[list[str], list[str]]:
    """(lead units, units the plan says take part in every task) of one clause."""
    m = re.search(r"[(（]责任单位[:：](.*)[)）]$", clause_text)
    assert m, f"no 责任单位 in clause: {clause_text[:30]}…"
    lead_text, _, rest = m.group(1).partition(",")
    every = re.search(r"以下任务均涉及(.*?)[,，]不再单独列出", rest)
    return split_names(lead_text), split_names(every.group(1)) if every else []


INDICATORS = _read_seed("plan_indicators.csv")
DEPARTMENTS = _read_seed("departments.csv")


def test_the_plan_in_the_repository_is_the_shared_plan() -> None:
    if not SHARED_PLAN.exists():
        pytest.skip("the shared seed folder is not on this machine")
    assert PLAN_FILE.read_bytes() == SHARED_PLAN.read_bytes()


def test_every_contract_indicator_has_one_row() -> None:
    codes = [row["indicator_code"] for row in INDICATORS]
    assert len(codes) == len(set(codes))
    assert set(codes) == CONTRACT_CODES
    if SHARED_CONTRACT.exists():
        listed = set(re.findall(r"^\| ([A-Z0-9_]+) \|", SHARED_CONTRACT.read_text("utf-8"), re.M))
        assert listed >= CONTRACT_CODES


def test_ingestion_columns_stay_filled() -> None:
    for row in INDICATORS:
        assert row["indicator_code"] and row["name_zh"], row
        if row["comparator"]:
            assert row["unit"], f"{row['indicator_code']} has a number but no unit"


@pytest.mark.parametrize("row", INDICATORS, ids=lambda r: r["indicator_code"])
def test_target_text_is_quoted_from_its_clause(row: dict[str, str]) -> None:
    goals, clauses = plan_structure()
    assert row["target_text"] in plan_text()
    if row["plan_clause"] == GOALS:
        assert row["target_text"] in goals
    else:
        assert row["plan_clause"] in clauses, row["plan_clause"]
        assert row["target_text"] in clauses[row["plan_clause"]]


@pytest.mark.parametrize("row", INDICATORS, ids=lambda r: r["indicator_code"])
def test_target_value_unit_and_comparator_are_the_plans(row: dict[str, str]) -> None:
    text = row["target_text"]
    if not row["comparator"]:
        assert row["target_value"] == ""
        assert any(word in text for word in QUALITATIVE_WORDS), text
        return
    value = float(row["target_value"])
    number = row["target_value"]
    stated = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", text)
    worded = [w for w, v in WORDED_NUMBERS.items() if w in text and v == value]
    assert stated or worded, f"{number} is not stated in {text}"
    if stated and row["unit"]:
        assert f"{number}{row['unit']}" in text, f"{number}{row['unit']} not in {text}"
    # The plan only sets floors (达到/以上/力争/全覆盖), never ceilings.
    assert row["comparator"] == ">="
    assert not any(word in text for word in ("以下", "不超过", "控制在"))


@pytest.mark.parametrize("row", INDICATORS, ids=lambda r: r["indicator_code"])
def test_responsible_departments_are_the_clauses_units(row: dict[str, str]) -> None:
    _, clauses = plan_structure()
    clause = row["responsibility_clause"]
    assert clause in clauses, clause
    if row["plan_clause"] != GOALS:
        # A target stated in a clause is that clause's responsibility.
        assert clause == row["plan_clause"]
    lead, _ = responsible_units(clauses[clause])
    assert row["responsible_departments"] == "、".join(lead)


def test_target_year_is_the_plans_horizon() -> None:
    goals, _ = plan_structure()
    assert "到2025年" in goals
    assert {row["target_year"] for row in INDICATORS} == {"2025"}


def test_measured_indicators_name_their_export() -> None:
    sources = {row["indicator_code"]: row["data_source"] for row in INDICATORS}
    for code, source in sources.items():
        assert source == MEASURED.get(code, "indicator_reports"), code


def test_departments_are_exactly_the_units_the_plan_names() -> None:
    _, clauses = plan_structure()
    lead, every = set(), set()
    for text in clauses.values():
        clause_lead, clause_every = responsible_units(text)
        lead.update(clause_lead)
        every.update(clause_every)
    seeded: dict[str, str] = {}
    for row in DEPARTMENTS:
        assert row["name_zh"] in plan_text(), row["name_zh"]
        assert row["name_en"], row["name_zh"]
        for name in filter(None, (row["name_zh"], row["alias_zh"])):
            seeded[name] = row["named_as"]
    assert set(seeded) == lead | every
    assert {n for n, role in seeded.items() if role == "every_task"} == every


def test_data_sources_seed_mirrors_the_contracts() -> None:
    """Generated by `qcity contracts sync` (tests/test_contract_sync.py checks it is current);
    here: each contract's department is one of the plan's units."""
    departments = {row["department_code"] for row in DEPARTMENTS}
    seeded = {row["source"]: row for row in _read_seed("data_sources.csv")}
    contracts = {c.name: c for c in all_contracts()}
    assert set(seeded) == set(contracts)
    for name, contract in contracts.items():
        assert seeded[name]["department_code"] == contract.department_code
        assert contract.department_code in departments


def test_monitoring_indicators_watch_a_clause_of_their_responsible_units() -> None:
    """监测指标 have no target to quote: their clause must exist and name their units."""
    _, clauses = plan_structure()
    contracts = {c.name for c in all_contracts()}
    for row in _read_seed("monitoring_indicators.csv"):
        code = row["indicator_code"]
        assert code.startswith("MON_") and code not in CONTRACT_CODES, code
        assert row["plan_clause"] in clauses, code
        lead, _ = responsible_units(clauses[row["responsibility_clause"]])
        assert set(split_names(row["responsible_departments"])) <= set(lead), code
        assert row["data_source"] in contracts, code
        assert row["definition"], f"{code}: say how it is computed"


# ---------------------------------------------------------------- kinds and 2035 goals

#: Each kind and the aggregation over a period it implies.
KIND_AGGREGATIONS = {
    "rate": {"ratio_of_sums", "latest"},
    "level": {"latest"},
    "increment": {"sum"},
    "qualitative": {"none"},
}
#: Words of the plan that make an indicator a rate, a count added, or a level reached.
RATE_WORDS = ("合格率", "比重")
INCREMENT_WORDS = ("新增", "每年")


@pytest.mark.parametrize("row", INDICATORS, ids=lambda r: r["indicator_code"])
def test_every_indicator_has_a_kind_its_aggregation_and_area(row: dict[str, str]) -> None:
    assert row["kind"] in KIND_AGGREGATIONS, row["indicator_code"]
    assert row["aggregation"] in KIND_AGGREGATIONS[row["kind"]]
    assert row["area"] in ("city", "city_and_counties")
    assert row["decimals"].isdigit()
    assert row["kind_basis"], f"{row['indicator_code']}: say why it is a {row['kind']}"


@pytest.mark.parametrize("row", INDICATORS, ids=lambda r: r["indicator_code"])
def test_kind_follows_the_plans_wording(row: dict[str, str]) -> None:
    text, kind = row["target_text"], row["kind"]
    # A rate recomputed from numerators and denominators only where the exports give them.
    assert (row["aggregation"] == "ratio_of_sums") == (row["indicator_code"] in MEASURED)
    assert (kind == "qualitative") == (row["comparator"] == "")
    if kind != "qualitative" and any(w in text for w in INCREMENT_WORDS):
        assert kind == "increment", text
    elif kind != "qualitative" and any(w in row["name_zh"] for w in RATE_WORDS):
        assert kind == "rate", row["name_zh"]
    if kind == "level" and row["unit"] != "%":
        assert "新增" not in text and "每年" not in text
    # A target worded in the plan's own decimals is shown to that many.
    if row["target_value"] and "." in row["target_value"]:
        assert int(row["decimals"]) >= len(row["target_value"].split(".")[1])


def test_every_kind_of_the_plan_is_present() -> None:
    assert {row["kind"] for row in INDICATORS} == set(KIND_AGGREGATIONS)


def test_the_2035_goals_quote_the_plan() -> None:
    goals, _ = plan_structure()
    sentence = next(line for line in goals.splitlines() if line.startswith("到2035年"))
    rows = _read_seed("plan_goals_2035.csv")
    assert {row["plan_sentence"] for row in rows} == {sentence}
    # Every clause of the sentence after 到2035年 is one goal, in the plan's order.
    assert [row["goal_zh"] for row in rows] == sentence.removesuffix("。").split(",")[1:]
    assert all(row["goal_en"] and row["target_year"] == "2035" for row in rows)
