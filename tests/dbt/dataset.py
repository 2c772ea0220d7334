"""A small hand-made warehouse history, written straight into the raw and audit tables.

Two batches of loads: the first (loads 1-4) is built, then the second (loads 5-10)
arrives with corrected re-exports (higher load ids), new rows, a rejected file and a
duplicate, and is built incrementally. The expected rates below are worked out by hand
from the rows, after corrections; the comments say which rows count.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from ingestion.contracts import get_contract

CITY = "360900"
TODAY = date.today()


@dataclass
class Load:
    load_id: int
    source: str | None
    file_name: str
    rows: list[dict] = field(default_factory=list)
    failed_items: list[dict] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (rule, column)
    status: str = "loaded"
    days_ago: int = 0
    same_bytes_as: str | None = None  # a duplicate carries the original's hash

    @property
    def sha256(self) -> str:
        return hashlib.sha256((self.same_bytes_as or self.file_name).encode()).hexdigest()

    @property
    def received_at(self) -> datetime:
        return datetime.combine(TODAY - timedelta(days=self.days_ago), datetime.min.time())


def _sample(sample_id, sampling_type, county, day, verdict, category="粮食加工品"):
    return {
        "sample_id": sample_id,
        "sampling_type": sampling_type,
        "product_name": f"产品{sample_id}",
        "category": category,
        "sampled_unit": "某超市",
        "county_code": county,
        "sampling_date": date.fromisoformat(day),
        "verdict": verdict,
    }


def _item(sample_id, seq, item):
    return {"sample_id": sample_id, "item_seq": seq, "item": item, "measured_text": "1.2"}


def _agri(sample_id, test_item, method, county, day, verdict, name="豇豆"):
    return {
        "sample_id": sample_id,
        "sample_name": name,
        "product_group": "蔬菜",
        "county_code": county,
        "sampling_date": date.fromisoformat(day),
        "test_method": method,
        "test_item": test_item,
        "verdict": verdict,
    }


def _attempt(project, round_, scale, county, day, verdict):
    return {
        "project_code": project,
        "project_name": f"工程{project}",
        "county_code": county,
        "scale_class": scale,
        "structure_type": "框架结构",
        "acceptance_date": date.fromisoformat(day),
        "acceptance_round": round_,
        "verdict": verdict,
    }


def _report(code, county, period, value, unit):
    return {
        "indicator_code": code,
        "county_code": county,
        "period": period,
        "value": value,
        "unit": unit,
        "department": "市市场监管局",
    }


FIRST_BATCH = [
    Load(
        1,
        "market_sampling",
        "宜春市市场监管局2025年食品药品抽检.csv",
        days_ago=20,
        rows=[
            _sample("M01", "food", "360902", "2025-03-05", "pass"),
            _sample("M02", "food", "360902", "2025-03-20", "fail"),
            _sample("M03", "drug", "360981", "2025-04-11", "pass", category="化学药品"),
            _sample("M04", "food", "360981", "2025-05-02", "fail"),
            _sample("M05", "industrial", "360983", "2025-06-01", "pass", category="建筑陶瓷"),
            _sample("M06", "industrial", "360983", "2025-06-15", "fail", category="建筑陶瓷"),
            _sample("M07", "industrial", "360990", "2025-07-01", "pass", category="电线电缆"),
            _sample("M08", "food", "360921", "2024-11-30", "pass"),
            _sample("M09", "food", "360921", "2024-12-15", "fail"),
            _sample("M10", "drug", "360902", "2025-08-08", "pass", category="化学药品"),
        ],
        failed_items=[
            _item("M02", 1, "二氧化硫残留量"),
            _item("M04", 1, "菌落总数"),
            _item("M04", 2, "大肠菌群"),
            _item("M06", 1, "耐磨性"),
            _item("M09", 1, "铅(以Pb计)"),
        ],
        quarantined=[("date_unparseable", "sampling_date"), ("county_unknown", "county_code")],
    ),
    Load(
        2,
        "agri_testing",
        "农产品例行监测2025.xlsx",
        days_ago=15,
        rows=[
            _agri("A01", "毒死蜱", "quantitative", "360923", "2025-04-01", "pass"),
            _agri("A01", "克百威", "quantitative", "360923", "2025-04-01", "pass"),
            _agri("A02", "毒死蜱", "quantitative", "360923", "2025-04-02", "pass"),
            _agri("A02", "克百威", "quantitative", "360923", "2025-04-02", "fail"),
            _agri("A03", "氧乐果", "quantitative", "360924", "2025-05-10", "fail", name="芹菜"),
            _agri("A04", "毒死蜱", "quantitative", "360924", "2025-05-11", "pass"),
            _agri("A04", "克百威", "quantitative", "360924", "2025-05-09", "pass"),
            # A05's items straddle new year: the sample belongs to 2024, its earliest date.
            _agri("A05", "毒死蜱", "quantitative", "360925", "2025-01-02", "pass"),
            _agri("A05", "克百威", "quantitative", "360925", "2024-12-31", "pass"),
            # Rapid tests never count toward the monitoring rate.
            _agri("A06", "有机磷", "rapid", "360923", "2025-04-03", "fail"),
        ],
        quarantined=[("date_unparseable", "sampling_date")],
    ),
    Load(
        3,
        "construction_acceptance",
        "竣工验收备案2025.xls",
        days_ago=40,
        rows=[
            _attempt("C01", 1, "large", "360981", "2025-03-01", "pass"),
            _attempt("C02", 1, "medium", "360981", "2025-04-01", "fail"),
            _attempt("C02", 2, "medium", "360981", "2025-05-01", "pass"),
            _attempt("C03", 1, "small", "360982", "2025-04-01", "fail"),
            _attempt("C04", 1, "large", "360982", "2025-06-01", "fail"),
            _attempt("C05", 1, "medium", "360982", "2024-12-20", "pass"),
            # Only a second round on record: no round-1 acceptance, not in the rate.
            _attempt("C06", 2, "large", "360983", "2025-02-01", "pass"),
        ],
    ),
    Load(
        4,
        "indicator_reports",
        "指标填报2025Q3.xlsx",
        days_ago=30,
        rows=[
            _report("STD_LOCAL", CITY, "2025", 58.0, "项"),
            _report("BRAND_GI_TRADEMARKS", CITY, "2025", 12.0, "个"),
            _report("ECON_NATIONAL_LITTLE_GIANTS", CITY, "2025Q3", 20.0, "家"),
            # A return for a measured rate is ignored: the exports measure it.
            _report("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", CITY, "2025", 99.0, "%"),
            _report("INFRA_LITHIUM_METROLOGY_CENTER", CITY, "2025", 1.0, ""),
            _report("STD_GROUP", "360902", "2025", 8.0, "项"),
        ],
    ),
]

SECOND_BATCH = [
    Load(
        5,
        "market_sampling",
        "宜春市市场监管局2025年食品药品抽检（更正）.csv",
        days_ago=3,
        rows=[
            # M04 re-tested: now passes, and its two failed items disappear.
            _sample("M04", "food", "360981", "2025-05-02", "pass"),
            # M10 corrected from pass to fail.
            _sample("M10", "drug", "360902", "2025-08-08", "fail", category="化学药品"),
            _sample("M11", "food", "360922", "2025-09-01", "pass"),
        ],
        failed_items=[_item("M10", 1, "含量测定")],
    ),
    Load(
        6,
        "agri_testing",
        "农产品例行监测2025（复检）.xlsx",
        days_ago=2,
        rows=[
            _agri("A02", "克百威", "quantitative", "360923", "2025-04-02", "pass"),
            _agri("A07", "氧乐果", "quantitative", "360925", "2025-06-01", "fail", name="芹菜"),
        ],
    ),
    Load(
        7,
        "construction_acceptance",
        "竣工验收备案2025（更正）.xls",
        days_ago=10,
        rows=[
            _attempt("C04", 1, "large", "360982", "2025-06-01", "pass"),
            _attempt("C07", 1, "medium", "360902", "2025-07-01", "fail"),
        ],
    ),
    Load(
        8,
        "indicator_reports",
        "指标填报2025Q3（更正）.xlsx",
        days_ago=1,
        rows=[_report("STD_LOCAL", CITY, "2025", 65.0, "项")],
    ),
    Load(9, "market_sampling", "抽检结果（格式错误）.csv", status="rejected", days_ago=1),
    Load(
        10,
        "market_sampling",
        "宜春市市场监管局2025年食品药品抽检.csv",
        status="duplicate",
        days_ago=0,
        same_bytes_as="宜春市市场监管局2025年食品药品抽检.csv",
    ),
]


# A day after the second build (tests/dbt/test_incremental.py only): a late correction
# re-export moves M03 to another county and an older month (where no other sample remains)
# and fails M07; a new sample comes from a county never seen before, in 2024; an agri re-test
# moves A03 into 2024. Neither construction nor returns receive anything.
THIRD_BATCH = [
    Load(
        11,
        "market_sampling",
        "宜春市市场监管局2025年食品药品抽检（二次更正）.csv",
        rows=[
            _sample("M03", "drug", "360982", "2025-03-28", "pass", category="化学药品"),
            _sample("M07", "industrial", "360990", "2025-07-01", "fail", category="电线电缆"),
            _sample("M12", "food", "360926", "2024-06-15", "fail"),
        ],
        failed_items=[_item("M07", 1, "导体电阻"), _item("M12", 1, "菌落总数")],
    ),
    Load(
        12,
        "agri_testing",
        "农产品例行监测2025（二次复检）.xlsx",
        rows=[_agri("A03", "氧乐果", "quantitative", "360924", "2024-12-30", "pass", name="芹菜")],
    ),
]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], load: Load) -> None:
    for number, row in enumerate(rows, start=2):
        values = {
            **row,
            "_source_file": load.file_name,
            "_file_sha256": load.sha256,
            "_row_number": row.get("_row_number", number),
            "_load_id": load.load_id,
            "_loaded_at": load.received_at,
        }
        columns = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        con.execute(f"insert into {table} ({columns}) values ({marks})", list(values.values()))


def write_loads(con: duckdb.DuckDBPyConnection, loads: list[Load]) -> None:
    """Write each load's rows, failed items, quarantined rows and manifest entry; the load
    id sequence is moved past their ids, so a loader's later load gets an id of its own."""
    top = max((load.load_id for load in loads), default=0)
    con.execute("select max(nextval('audit.load_id_seq')) from range(?)", [top])
    for load in loads:
        if load.status == "loaded":
            _insert(con, f"raw.{load.source}", load.rows, load)
        if load.failed_items:
            # A failed item carries its sample's row number, as the loader writes it.
            row_of = {r["sample_id"]: n for n, r in enumerate(load.rows, start=2)}
            items = [{**i, "_row_number": row_of[i["sample_id"]]} for i in load.failed_items]
            [child] = get_contract(load.source).child_tables
            _insert(con, f"raw.{child.name}", items, load)
        for offset, (rule, column) in enumerate(load.quarantined):
            con.execute(
                "insert into audit.quarantine (load_id, file_sha256, file_name, source, "
                "row_number, column_name, rule, value, reason_zh, reason_en, original_row, "
                "quarantined_at) values (?, ?, ?, ?, ?, ?, ?, 'x', '原因', 'reason', '{}', ?)",
                [
                    load.load_id,
                    load.sha256,
                    load.file_name,
                    load.source,
                    len(load.rows) + 2 + offset,
                    column,
                    rule,
                    load.received_at,
                ],
            )
        loaded = len(load.rows) if load.status == "loaded" else 0
        quarantined = len(load.quarantined)
        con.execute(
            "insert into audit.file_manifest (load_id, file_sha256, file_name, source, status, "
            "rows_read, rows_loaded, rows_quarantined, error, received_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load.load_id,
                load.sha256,
                load.file_name,
                load.source,
                load.status,
                loaded + quarantined if load.status != "rejected" else 5,
                loaded,
                quarantined,
                "缺少必需列" if load.status == "rejected" else None,
                load.received_at,
            ],
        )


def rate(passed: int, total: int) -> float:
    """A percentage computed the way the warehouse does (IEEE double, 100 * n / d)."""
    return 100.0 * float(passed) / float(total)


#: (indicator, county, period) -> (actual_value, sample_size) after both batches.
EXPECTED_RATES: dict[tuple[str, str, str], tuple[float, int]] = {
    # Food and drug 2025: M01 P, M02 F, M10 F (corrected) in 360902; M03 P, M04 P
    # (corrected) in 360981; M11 P in 360922.
    ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360902", "2025"): (rate(1, 3), 3),
    ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360981", "2025"): (rate(2, 2), 2),
    ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360922", "2025"): (rate(1, 1), 1),
    ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", CITY, "2025"): (rate(4, 6), 6),
    # 2024: M08 P, M09 F in 360921.
    ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "360921", "2024"): (rate(1, 2), 2),
    ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", CITY, "2024"): (rate(1, 2), 2),
    # Industrial 2025: M05 P, M06 F in 360983; M07 P in 360990.
    ("QUAL_MFG_PRODUCT_PASS_RATE", "360983", "2025"): (rate(1, 2), 2),
    ("QUAL_MFG_PRODUCT_PASS_RATE", "360990", "2025"): (rate(1, 1), 1),
    ("QUAL_MFG_PRODUCT_PASS_RATE", CITY, "2025"): (rate(2, 3), 3),
    # Quantitative samples 2025: A01 P, A02 P (re-test) in 360923; A03 F, A04 P in 360924;
    # A07 F in 360925. A05 is 2024 (earliest item date); A06 is rapid.
    ("QUAL_AGRI_MONITORING_PASS_RATE", "360923", "2025"): (rate(2, 2), 2),
    ("QUAL_AGRI_MONITORING_PASS_RATE", "360924", "2025"): (rate(1, 2), 2),
    ("QUAL_AGRI_MONITORING_PASS_RATE", "360925", "2025"): (rate(0, 1), 1),
    ("QUAL_AGRI_MONITORING_PASS_RATE", CITY, "2025"): (rate(3, 5), 5),
    ("QUAL_AGRI_MONITORING_PASS_RATE", "360925", "2024"): (rate(1, 1), 1),
    ("QUAL_AGRI_MONITORING_PASS_RATE", CITY, "2024"): (rate(1, 1), 1),
    # Large and medium projects by round-1 year 2025: C01 P, C02 F (passed only at round 2)
    # in 360981; C04 P (corrected) in 360982; C07 F in 360902. C03 is small; C06 has no
    # round 1. 2024: C05 P in 360982.
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360981", "2025"): (rate(1, 2), 2),
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360982", "2025"): (rate(1, 1), 1),
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360902", "2025"): (rate(0, 1), 1),
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", CITY, "2025"): (rate(2, 4), 4),
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "360982", "2024"): (rate(1, 1), 1),
    ("QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", CITY, "2024"): (rate(1, 1), 1),
}

#: Years with data per measured indicator (each gets a row for all 15 county codes).
MEASURED_YEARS = {
    "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE": {"2024", "2025"},
    "QUAL_MFG_PRODUCT_PASS_RATE": {"2025"},
    "QUAL_AGRI_MONITORING_PASS_RATE": {"2024", "2025"},
    "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE": {"2024", "2025"},
}
