"""The two sources added as data (contract sections 5 and 6), through the real `qcity ingest`.

Real-shaped exports built here with openpyxl: a 住建局 site-inspection register (title row,
project and inspection cells merged over their findings, deadlines written `7日`/`7天`/
`3个工作日`, an inspection that found nothing, bad rows deep inside, a totals and sign-off
trailer) and a building-material spot-check list (GBK CSV and xlsx, failed-item cells, a fail
verdict that carries its items). Every expected value below is worked out by hand.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tests.conftest import write_csv
from tests.qcity_cli import run_qcity

INSPECTION_HEADER = [
    "检查编号",
    "检查日期",
    "工程名称",
    "施工许可证编号",
    "所属县区",
    "工程地点",
    "施工单位",
    "检查类型",
    "存在问题",
    "问题类别",
    "隐患等级",
    "处理措施",
    "整改期限",
    "整改完成日期",
    "整改情况",
]
#: Columns of one inspection, merged over its findings (检查编号 … 检查类型).
INSPECTION_CELLS = 8


def _inspection(no: str, day: object, project: str, county: str, address: str) -> list[object]:
    return [
        no,
        day,
        project,
        f"3609002025{no[-3:]}",
        county,
        address,
        "江西建工集团有限公司",
        "日常巡查",
    ]


def _register_rows() -> list[tuple[list[object], list[list[object]]]]:
    """(inspection cells, its findings' cells) in file order."""
    return [
        (
            # Thursday 2025-10-09, an Excel date cell.
            _inspection("JC-2025-101", datetime(2025, 10, 9), "宜春市中心医院门诊楼", "袁州区", ""),
            [
                ["脚手架连墙件缺失", "安全", "较大", "限期整改", "7日", "2025-10-14", "已整改"],
                ["钢筋保护层厚度不足", "质量", "一般", "责令整改", "3个工作日", "", "整改中"],
                ["施工现场扬尘未覆盖", "文明施工", "一般", "限期整改", "2025-10-20", "", "未整改"],
            ],
        ),
        (
            _inspection("JC-2025-102", "2025/10/10", "宜春学院图书馆", "宜丰", ""),
            [["未发现问题", "/", "/", "/", "/", "/", "/"]],
        ),
        (
            # Monday 2025-10-13; no county, the address names 樟树市.
            _inspection(
                "JC-2025-103",
                "2025-10-13",
                "樟树市药都商业综合体",
                "",
                "江西省宜春市樟树市药都南大道88号",
            ),
            [
                ["安全帽佩戴不规范", "安全", "一般", "责令整改", "7天", "2025-10-15", "已销号"],
                ["临边防护缺失", "安全", "重大", "停工整改", "2025-10-01", "", "整改中"],  # before
                ["模板支撑间距过大", "质量", "较大", "限期整改", "7日", "", "已整改"],  # no date
                ["消防通道堵塞", "安全", "一般", "责令整改", "7日", "2025-10-17", "未整改"],  # open
                ["混凝土试块未见证取样", "资料", "一般", "责令整改", "3个工作日", "", "整改中"],
            ],
        ),
        *[
            (
                _inspection(
                    f"JC-2025-1{n:02d}", f"2025-10-{n + 10:02d}", f"高安市安置房{n}期", "高安", ""
                ),
                [
                    ["塔吊限位失灵", "安全", "较大", "局部停工整改", "5日", "", "整改中"],
                    ["施工日志不全", "资料/内业", "一般", "责令整改", "", "", "未整改"],
                ],
            )
            for n in range(4, 11)
        ],
    ]


def write_register(path: Path) -> Path:
    """The register as 住建局 sends it: a merged title row, the header, each inspection's cells
    merged over its findings, then a totals line and the sign-off lines."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "检查台账"
    width = len(INSPECTION_HEADER)
    sheet.append(["宜春市住房和城乡建设局2025年10月工程质量安全监督检查台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append(INSPECTION_HEADER)
    for inspection, findings in _register_rows():
        first = sheet.max_row + 1
        for k, finding in enumerate(findings):
            sheet.append([*(inspection if k == 0 else [None] * INSPECTION_CELLS), *finding])
        if len(findings) > 1:
            for column in range(1, INSPECTION_CELLS + 1):
                sheet.merge_cells(
                    start_row=first,
                    start_column=column,
                    end_row=first + len(findings) - 1,
                    end_column=column,
                )
    sheet.append(["合计", "共检查10个工程，发现问题23条"])
    sheet.append(["填报人：王明", None, "审核人：李华", None, "联系电话：0795-3201234"])
    sheet.append(["制表日期：2025年10月31日"])
    book.save(path)
    return path


MATERIAL_HEADER = [
    "样品编号",
    "材料类别",
    "产品名称",
    "规格型号",
    "生产单位",
    "受检单位",
    "工程名称",
    "所属县区",
    "受检单位地址",
    "抽样环节",
    "抽样日期",
    "检验结论",
    "不合格项目║检验结果║标准值",
    "检验依据",
    "检验机构",
]


def _material(sid: str, kind: str, product: str, verdict: str = "合格", items: str = "/",
              county: str = "上高县", address: str = "", stage: str = "施工现场") -> list[str]:  # fmt: skip
    return [
        sid,
        kind,
        product,
        "P·O 42.5",
        "江西万年青水泥股份有限公司",
        "中建三局宜春项目部",
        "宜春市中心医院门诊楼",
        county,
        address,
        stage,
        "2025-09-18",
        verdict,
        items,
        "GB 175-2023",
        "宜春市建设工程质量检测中心",
    ]


def material_rows(prefix: str) -> list[list[str]]:
    return [
        _material(f"{prefix}001", "水泥", "普通硅酸盐水泥"),
        _material(
            f"{prefix}002",
            "钢筋",
            "热轧带肋钢筋",
            "不合格",
            "屈服强度‖385MPa‖≥400MPa；断后伸长率‖14%‖≥16%",
        ),
        # The verdict cell carries the item; the items column is empty.
        _material(
            f"{prefix}003",
            "电线电缆",
            "聚氯乙烯绝缘电缆",
            "不合格：导体电阻║0.0213Ω/m║≤0.0181Ω/m",
            "",
        ),
        _material(f"{prefix}004", "外墙保温材料", "岩棉板", "不合格", "/"),  # fail without items
        _material(
            f"{prefix}005", "水泥", "复合硅酸盐水泥", county="", address="宜春市袁州区宜阳大道1号"
        ),
        _material(f"{prefix}006", "木材", "松木方"),  # no such material type
        *[
            _material(f"{prefix}{n:03d}", "预拌混凝土", "C30混凝土", stage="进场")
            for n in range(7, 17)
        ],
    ]


def write_material_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2025年第三季度建设工程材料质量监督抽检结果"])
    sheet.append([])
    sheet.append(MATERIAL_HEADER)
    for row in rows:
        sheet.append(row)
    sheet.append(["注：检验结论以检验报告为准。"])
    book.save(path)
    return path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], Path]:
    """The three exports ingested by one `qcity ingest --json`, and the warehouse."""
    root = tmp_path_factory.mktemp("housing")
    register = write_register(root / "2025年10月工程质量安全监督检查台账.xlsx")
    gbk = write_csv(
        root / "建材抽检结果（GBK）.csv", [MATERIAL_HEADER, *material_rows("JC-GBK-")], "gbk"
    )
    xlsx = write_material_xlsx(root / "建材抽检结果.xlsx", material_rows("JC-XLS-"))
    for k, path in enumerate((register, gbk, xlsx)):
        os.utime(path, (1_760_000_000 + k, 1_760_000_000 + k))
    warehouse = root / "w.duckdb"
    env = {**os.environ, "QCITY_WAREHOUSE": str(warehouse), "QCITY_BUILD_DIR": str(root / "b")}
    result = run_qcity(
        "ingest", "--json", str(register), str(gbk), str(xlsx), env=env, in_process=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return {Path(line["file"]).name: line for line in lines}, warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_row_is_accounted_for(loaded) -> None:
    lines, _ = loaded
    register = lines["2025年10月工程质量安全监督检查台账.xlsx"]
    # 3 + 1 + 5 + 7×2 findings; 合计, the signatures and the date line skipped.
    assert (register["source"], register["status"]) == ("construction_inspections", "loaded")
    assert (register["rows_read"], register["rows_loaded"], register["rows_quarantined"]) == (
        23,
        20,
        3,
    )
    assert register["rows_skipped"] == 3
    for name in ("建材抽检结果（GBK）.csv", "建材抽检结果.xlsx"):
        line = lines[name]
        assert (line["source"], line["status"]) == ("building_material_sampling", "loaded"), line
        assert (line["rows_read"], line["rows_loaded"], line["rows_quarantined"]) == (16, 14, 2)
        assert line["rows_read"] == line["rows_loaded"] + line["rows_quarantined"]


def test_findings_are_numbered_within_their_inspection(loaded) -> None:
    _, warehouse = loaded
    got = _rows(
        warehouse,
        "select inspection_no, list(finding_no order by finding_no), "
        "count(finding_text) from raw.construction_inspections "
        "where inspection_no in ('JC-2025-101', 'JC-2025-102', 'JC-2025-103') group by 1 order by 1",
    )
    # 103's findings 2–4 are quarantined; an inspection that found nothing is finding 0.
    assert got == [
        ("JC-2025-101", [1, 2, 3], 3),
        ("JC-2025-102", [0], 0),
        ("JC-2025-103", [1, 5], 2),
    ]


def test_relative_deadlines_count_from_the_inspection_date(loaded) -> None:
    _, warehouse = loaded
    got = _rows(
        warehouse,
        "select inspection_no, finding_no, deadline, county_code, status "
        "from raw.construction_inspections where inspection_no in "
        "('JC-2025-101', 'JC-2025-103', 'JC-2025-104') order by 1, 2",
    )
    assert got == [
        ("JC-2025-101", 1, date(2025, 10, 16), "360902", "rectified"),  # Thu + 7 days
        ("JC-2025-101", 2, date(2025, 10, 14), "360902", "in_progress"),  # Thu + 3 working days
        ("JC-2025-101", 3, date(2025, 10, 20), "360902", "open"),
        ("JC-2025-103", 1, date(2025, 10, 20), "360982", "rectified"),  # 7天; county from address
        ("JC-2025-103", 5, date(2025, 10, 16), "360982", "in_progress"),  # Mon + 3 working days
        ("JC-2025-104", 1, date(2025, 10, 19), "360983", "in_progress"),  # 5日
        ("JC-2025-104", 2, None, "360983", "open"),
    ]


def test_cross_column_rules_quarantine_with_both_headers_named(loaded) -> None:
    _, warehouse = loaded
    got = _rows(
        warehouse,
        "select q.row_number, q.rule, q.column_name, q.reason_zh from audit.quarantine q "
        "join audit.file_manifest m using (load_id) where m.source = 'construction_inspections' "
        "order by 1",
    )
    # Title row 1, header row 2, 101 on rows 3–5, 102 on row 6, 103 on rows 7–11.
    assert got == [
        (8, "out_of_order", "deadline", "“整改期限”的值“2025-10-01”早于“检查日期”"),
        (
            9,
            "required_when",
            "rectified_date",
            "“整改情况”为“已整改”时“整改完成日期”必须填写，本行为空",
        ),
        (
            10,
            "forbidden_when",
            "rectified_date",
            "“整改情况”为“未整改”时“整改完成日期”应为空，本行却是“2025-10-17”",
        ),
    ]


def test_failed_items_land_in_the_child_table(loaded) -> None:
    _, warehouse = loaded
    got = _rows(
        warehouse,
        "select sample_id, item_seq, item, measured_text, limit_text "
        "from raw.building_material_failed_items where sample_id like 'JC-GBK-%' order by 1, 2",
    )
    assert got == [
        ("JC-GBK-002", 1, "屈服强度", "385MPa", "≥400MPa"),
        ("JC-GBK-002", 2, "断后伸长率", "14%", "≥16%"),
        ("JC-GBK-003", 1, "导体电阻", "0.0213Ω/m", "≤0.0181Ω/m"),
    ]
    assert _rows(warehouse, "select count(*) from raw.building_material_failed_items") == [(6,)]


def test_material_rows_typed_and_quarantined(loaded) -> None:
    _, warehouse = loaded
    typed = _rows(
        warehouse,
        "select sample_id, material_type, verdict, county_code, sampling_stage "
        "from raw.building_material_sampling where sample_id in "
        "('JC-XLS-002', 'JC-XLS-005', 'JC-XLS-007') order by 1",
    )
    assert typed == [
        ("JC-XLS-002", "steel", "fail", "360923", "site"),
        ("JC-XLS-005", "cement", "pass", "360902", "site"),  # county from the address
        ("JC-XLS-007", "concrete", "pass", "360923", "site"),
    ]
    reasons = _rows(
        warehouse,
        "select m.file_name, q.rule, q.reason_zh from audit.quarantine q "
        "join audit.file_manifest m using (load_id) "
        "where m.source = 'building_material_sampling' order by 1, q.row_number",
    )
    for file_name in ("建材抽检结果.xlsx", "建材抽检结果（GBK）.csv"):
        assert [(rule, reason) for name, rule, reason in reasons if name == file_name] == [
            ("verdict_inconsistent", "判定结论与检验数据矛盾：判定不合格但未列出不合格项目"),
            ("unknown_value", _unknown_material()),
        ]


def _unknown_material() -> str:
    from ingestion.contracts import get_contract
    from ingestion.normalize.vocabularies import allowed_words

    words = allowed_words(get_contract("building_material_sampling").column("material_type"))
    return f"“材料类别”的值“木材”不在允许范围内（{words}）"
