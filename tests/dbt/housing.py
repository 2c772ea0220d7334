"""A hand-made history of the two housing sources, for their monitoring measures.

Five site inspections (one found nothing) and eight building-material samples, loaded in
two batches; the second corrects a finding (put right before its deadline after all) and a
sample (a re-test passed). Every deadline and rectified date sits relative to AS_OF, the
reference day the build is given (`--vars {as_of_date: …}`); the comments say which rule
each row exercises. The expected measures are worked out by hand in
tests/dbt/test_housing_measures.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.dbt.dataset import Load, write_loads

AS_OF = date(2025, 6, 30)
YUANZHOU, FENGCHENG = "360902", "360981"
CONTRACTOR_A, CONTRACTOR_B = "甲建设集团有限公司", "乙建筑工程有限公司"


def _finding(
    inspection: str,
    day: str,
    county: str,
    project: str,
    contractor: str | None,
    number: int,
    severity: str | None = None,
    deadline: str | None = None,
    rectified: str | None = None,
    status: str | None = None,
    text: str = "脚手架连墙件设置不足",
) -> dict:
    return {
        "inspection_no": inspection,
        "inspection_date": date.fromisoformat(day),
        "project_code": project,
        "project_name": f"工程{project}",
        "county_code": county,
        "contractor": contractor,
        "inspection_type": "routine",
        "finding_no": number,
        "finding_text": text if number else "未发现问题",
        "finding_category": "safety" if number else None,
        "severity": severity,
        "measure": "rectify" if number else None,
        "deadline": date.fromisoformat(deadline) if deadline else None,
        "rectified_date": date.fromisoformat(rectified) if rectified else None,
        "status": status,
    }


def _sample(
    sample_id: str,
    material: str,
    county: str,
    day: str,
    verdict: str,
    producer: str | None,
    failed_items: str | None = None,
) -> dict:
    return {
        "sample_id": sample_id,
        "material_type": material,
        "product_name": f"样品{sample_id}",
        "producer_name": producer,
        "sampled_unit": "某建设工地",
        "county_code": county,
        "sampling_stage": "site",
        "sampling_date": date.fromisoformat(day),
        "verdict": verdict,
        "failed_items_text": failed_items,
    }


def _item(sample_id: str, seq: int, item: str) -> dict:
    return {"sample_id": sample_id, "item_seq": seq, "item": item, "measured_text": "1"}


CEMENT, CABLE, STEEL = "江西某水泥有限公司", "某电缆厂", "某钢铁有限公司"

HOUSING_LOADS: list[Load] = [
    Load(
        101,
        "construction_inspections",
        "宜春市住建局2025年5月监督检查记录.xlsx",
        rows=[
            # on time: put right the day before its deadline
            _finding("JC-01", "2025-05-06", YUANZHOU, "PA", CONTRACTOR_A, 1, "general",
                     "2025-05-13", "2025-05-12", "rectified"),
            # late: put right five days after its deadline (deadline passed, not on time)
            _finding("JC-01", "2025-05-06", YUANZHOU, "PA", CONTRACTOR_A, 2, "major",
                     "2025-05-20", "2025-05-25", "rectified"),
            # open past its deadline here; the correction below puts it right in time
            _finding("JC-01", "2025-05-06", YUANZHOU, "PA", CONTRACTOR_A, 3, "critical",
                     "2025-06-10", None, "open"),
            # deadline after the reference day: not yet judged
            _finding("JC-02", "2025-05-20", YUANZHOU, "PB", CONTRACTOR_B, 1, "general",
                     "2025-07-15", None, "in_progress"),
            # a 复查日期 but still 整改中: not put right, open 29 days past its deadline
            _finding("JC-02", "2025-05-20", YUANZHOU, "PB", CONTRACTOR_B, 2, "general",
                     "2025-06-01", "2025-06-05", "in_progress"),
            # an inspection that found nothing: an inspection, no finding
            _finding("JC-03", "2025-06-03", YUANZHOU, "PA", CONTRACTOR_A, 0),
        ],
        days_ago=3,
    ),
    Load(
        102,
        "construction_inspections",
        "宜春市住建局2025年6月监督检查记录.xlsx",
        rows=[
            # corrected: put right on 06-08, before its 06-10 deadline
            _finding("JC-01", "2025-05-06", YUANZHOU, "PA", CONTRACTOR_A, 3, "critical",
                     "2025-06-10", "2025-06-08", "rectified"),
            # put right on the deadline day itself: on time
            _finding("JC-04", "2025-06-12", FENGCHENG, "PC", CONTRACTOR_A, 1, "major",
                     "2025-06-19", "2025-06-19", "rectified"),
            # no deadline: never past it
            _finding("JC-04", "2025-06-12", FENGCHENG, "PC", CONTRACTOR_A, 2, "general",
                     None, None, "open"),
            # deadline on the reference day: still in time
            _finding("JC-04", "2025-06-12", FENGCHENG, "PC", CONTRACTOR_A, 3, "general",
                     "2025-06-30", None, "open"),
            # put right after the reference day: open on it, 5 days past the deadline; no
            # contractor named
            _finding("JC-05", "2025-06-20", FENGCHENG, "PD", None, 1, "critical",
                     "2025-06-25", "2025-07-02", "rectified"),
        ],
        days_ago=1,
    ),
    Load(
        103,
        "building_material_sampling",
        "2025年建材质量抽检结果.xlsx",
        rows=[
            _sample("JC-B01", "cement", YUANZHOU, "2025-05-10", "pass", CEMENT),
            _sample("JC-B02", "cement", YUANZHOU, "2025-05-18", "fail", CEMENT,
                    "3d抗压强度║18.2MPa║≥22.0MPa"),
            _sample("JC-B03", "steel", YUANZHOU, "2025-06-02", "pass", STEEL),
            _sample("JC-B04", "wire_cable", FENGCHENG, "2025-06-09", "fail", CABLE,
                    "导体电阻║1.95Ω/km║≤1.83Ω/km；绝缘厚度║0.61mm║≥0.7mm"),
            _sample("JC-B05", "wire_cable", FENGCHENG, "2025-06-15", "fail", CABLE,
                    "导体电阻║1.90Ω/km║≤1.83Ω/km"),
            _sample("JC-B06", "insulation", FENGCHENG, "2025-06-20", "fail", None,
                    "燃烧性能等级║B2║B1"),
            _sample("JC-B07", "steel", FENGCHENG, "2025-04-28", "pass", STEEL),
            _sample("JC-B08", "wire_cable", FENGCHENG, "2025-06-25", "fail", CABLE,
                    "绝缘厚度║0.58mm║≥0.7mm"),
        ],
        failed_items=[
            _item("JC-B02", 1, "3d抗压强度"),
            _item("JC-B04", 1, "导体电阻"),
            _item("JC-B04", 2, "绝缘厚度"),
            _item("JC-B05", 1, "导体电阻"),
            _item("JC-B06", 1, "燃烧性能等级"),
            _item("JC-B08", 1, "绝缘厚度"),
        ],
        days_ago=2,
    ),
    Load(
        104,
        "building_material_sampling",
        "2025年建材质量抽检结果-更正.xlsx",
        # the re-test passed: the sample passes and its failed item is gone
        rows=[_sample("JC-B05", "wire_cable", FENGCHENG, "2025-06-15", "pass", CABLE)],
        days_ago=0,
    ),
]  # fmt: skip


def build_housing_warehouse(base: Path) -> Path:
    """`qcity build` as of AS_OF over a warehouse holding only these loads; its path."""
    from tests.dbt.conftest import dbt_paths, new_warehouse, qcity_build

    warehouse = base / "qcity.duckdb"
    with new_warehouse(warehouse) as con:
        write_loads(con, HOUSING_LOADS)
    with dbt_paths(base):
        qcity_build(warehouse, "--vars", f"{{as_of_date: {AS_OF.isoformat()}}}")
    return warehouse
