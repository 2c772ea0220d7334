"""Agriculture, construction and indicator returns: the contract's source-specific rules."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_csv, write_xlsx

AGRI_HEADER = [
    "样品编号",
    "样品名称",
    "品种类别",
    "抽样县区",
    "抽样地点",
    "抽样日期",
    "检测方式",
    "检测项目",
    "检测值",
    "单位",
    "限量值",
    "判定依据",
    "判定结果",
]


def agri_row(
    sid: str,
    item: str = "毒死蜱",
    value: str = "未检出",
    limit: str = "0.05",
    verdict: str = "合格",
    method: str = "例行监测",
    county: str = "上高",
) -> list[str]:
    return [
        sid,
        "青菜",
        "蔬菜",
        county,
        "上高县农贸市场",
        "2025-06-01",
        method,
        item,
        value,
        "mg/kg",
        limit,
        "GB 2763-2021",
        verdict,
    ]


def test_agri_values_below_detection_and_consistency(tmp_path: Path, loader, con) -> None:
    rows = [
        AGRI_HEADER,
        agri_row("S1", value="ND"),
        agri_row("S1", item="镉", value="0.02", limit="0.2"),
        agri_row("S2", value="０.０９", limit="≤0.05", verdict="不合格"),
        agri_row("S3", value="0.2", limit="0.05", verdict="合格"),  # contradicts its verdict
        agri_row("S4", method="快检", value="阴性", verdict="阴性"),
        *[agri_row(f"G{i}") for i in range(10)],
    ]
    result = loader.ingest(write_csv(tmp_path / "agri.csv", rows))
    assert (result.rows_loaded, result.rows_quarantined) == (14, 1), result.error
    got = con.execute(
        "select sample_id, test_item, measured_value, below_detection, limit_value, "
        "verdict, test_method from raw.agri_testing where sample_id like 'S%' "
        "order by 1, 2"
    ).fetchall()
    assert got == [
        ("S1", "毒死蜱", None, True, 0.05, "pass", "quantitative"),
        ("S1", "镉", 0.02, False, 0.2, "pass", "quantitative"),
        ("S2", "毒死蜱", 0.09, False, 0.05, "fail", "quantitative"),
        ("S4", "毒死蜱", None, None, 0.05, "pass", "rapid"),
    ]
    assert con.execute("select row_number, rule from audit.quarantine").fetchall() == [
        (5, "verdict_inconsistent")
    ]


def test_agri_county_from_site_when_column_absent(tmp_path: Path, loader, con) -> None:
    header = [h for h in AGRI_HEADER if h != "抽样县区"]
    rows = [header, [c for i, c in enumerate(agri_row("P1")) if i != 3]]
    loader.ingest(write_csv(tmp_path / "site.csv", rows))
    assert con.execute("select county_code from raw.agri_testing").fetchall() == [("360923",)]


CONSTRUCTION_HEADER = [
    "工程代码",
    "工程名称",
    "建设地址",
    "总建筑面积",
    "实际造价（万元）",
    "竣工验收日期",
    "验收结论",
]


def test_construction_scale_derived_and_round_defaults(tmp_path: Path, loader, con) -> None:
    rows = [
        CONSTRUCTION_HEADER,
        ["P1", "甲楼", "宜春市袁州区", "35,000", "800", "2025-03-01", "通过"],
        ["P2", "乙楼", "丰城市", "5000", "3,500", "2025-03-02", "不通过"],
        ["P3", "丙楼", "樟树市", "2000", "100", "2025/3/3", "合格"],
        ["P4", "丁楼", "高安市", "", "", "2025-03-04", "合格"],
    ]
    rows += [[f"G{i}", "楼", "袁州区", "100", "10", "2025-03-05", "合格"] for i in range(6)]
    result = loader.ingest(write_xlsx(tmp_path / "验收.xlsx", rows))
    assert (result.rows_loaded, result.rows_quarantined) == (9, 1)
    got = con.execute(
        "select project_code, county_code, scale_class, scale_class_derived, "
        "acceptance_round, verdict from raw.construction_acceptance "
        "where project_code like 'P%' order by 1"
    ).fetchall()
    assert got == [
        ("P1", "360902", "large", True, 1, "pass"),
        ("P2", "360981", "medium", True, 1, "fail"),
        ("P3", "360982", "small", True, 1, "pass"),
    ]
    assert con.execute("select column_name, rule from audit.quarantine").fetchall() == [
        ("scale_class", "required_missing")
    ]


def test_construction_rounds_make_distinct_keys(tmp_path: Path, loader, con) -> None:
    header = ["项目编号", "项目名称", "县区", "项目规模", "验收日期", "第几次验收", "验收结果"]
    rows = [
        header,
        ["Q1", "楼", "万载", "大型", "2025-01-05", "第一次", "不通过"],
        ["Q1", "楼", "万载", "大型", "2025-02-05", "2", "通过"],
    ]
    assert loader.ingest(write_csv(tmp_path / "rounds.csv", rows)).rows_loaded == 2
    assert con.execute(
        "select acceptance_round, verdict from raw.construction_acceptance order by 1"
    ).fetchall() == [(1, "fail"), (2, "pass")]


INDICATOR_HEADER = ["指标代码", "指标名称", "县区", "统计期", "数值", "单位", "填报单位"]


def test_indicator_returns(tmp_path: Path, loader, con) -> None:
    rows = [
        INDICATOR_HEADER,
        ["STD_LOCAL", "制修订地方标准", "", "2025年", "64", "项", "市市场监管局"],
        ["STD_GROUP", "团体标准", "全市", "2025年第三季度", "40", "项", ""],
        ["ECON_DIGITAL_CORE_GDP_SHARE", "", "袁州区", "2025年9月", "9.5%", "%", ""],
        ["NOT_A_CODE", "", "", "2025", "1", "项", ""],
        ["STD_LOCAL", "制修订地方标准", "樟树", "2025", "3", "个", ""],
        ["STD_LOCAL", "团体标准", "高安", "2025", "3", "项", ""],
        ["STD_LOCAL", "", "万载", "上半年", "3", "项", ""],
        *[
            ["BRAND_GI_TRADEMARKS", "", c, "2025", "1", "个", ""]
            for c in [
                "奉新",
                "宜丰",
                "靖安",
                "铜鼓",
                "丰城",
                "上高",
                "明月山",
                "经开区",
                "宜阳新区",
                "市本级",
                "袁州",
                "樟树",
                "高安",
                "万载",
            ]
        ],
    ]
    result = loader.ingest(write_csv(tmp_path / "returns.csv", rows))
    assert (result.rows_loaded, result.rows_quarantined) == (17, 4), result.error
    got = con.execute(
        "select indicator_code, county_code, period, value from raw.indicator_reports "
        "where indicator_code <> 'BRAND_GI_TRADEMARKS' order by 1"
    ).fetchall()
    assert got == [
        ("ECON_DIGITAL_CORE_GDP_SHARE", "360902", "2025-09", 9.5),
        ("STD_GROUP", "360900", "2025Q3", 40.0),
        ("STD_LOCAL", "360900", "2025", 64.0),
    ]
    assert sorted(con.execute("select rule from audit.quarantine").fetchall()) == [
        ("indicator_name_mismatch",),
        ("invalid_period",),
        ("unit_mismatch",),
        ("unknown_indicator",),
    ]


def test_an_indicator_name_with_its_unit_in_brackets_is_no_mismatch(
    tmp_path: Path, loader, con
) -> None:
    rows = [
        INDICATOR_HEADER,
        [
            "ECON_HIGH_VALUE_PATENTS_PER_10K",
            "每万人口高价值发明专利拥有量（件）",
            "",
            "2025",
            "2.3",
            "件",
            "",
        ],
        [
            "ECON_HIGH_VALUE_PATENTS_PER_10K",
            "每万人口高价值发明专利拥有量(件)",
            "樟树",
            "2025",
            "1.1",
            "件",
            "",
        ],
        ["STD_LOCAL", "制修订地方标准（试行）", "高安", "2025", "3", "项", ""],
        *[
            ["STD_LOCAL", "制修订地方标准（项）", c, "2025", "2", "项", ""]
            for c in ["袁州", "万载", "上高", "宜丰"]
        ],
    ]
    result = loader.ingest(write_csv(tmp_path / "指标填报.csv", rows))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 6, 1)
    assert con.execute("select rule from audit.quarantine").fetchall() == [
        ("indicator_name_mismatch",)
    ]


def test_a_unit_typed_in_the_value_cell_must_be_the_indicators(tmp_path: Path, loader, con) -> None:
    rows = [
        INDICATOR_HEADER,
        ["ECON_NATIONAL_LITTLE_GIANTS", "", "", "2025", "33家", "家", ""],
        ["ECON_DIGITAL_CORE_GDP_SHARE", "", "", "2025", "１００％", "%", ""],
        ["ECON_NATIONAL_LITTLE_GIANTS", "", "樟树", "2025", "3人", "家", ""],
        *[["STD_LOCAL", "", c, "2025", "3", "项", ""] for c in ["袁州", "万载", "高安"]],
    ]
    result = loader.ingest(write_csv(tmp_path / "指标填报.csv", rows))
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 5, 1)
    values = dict(
        con.execute(
            "select indicator_code, value from raw.indicator_reports where county_code = '360900'"
        ).fetchall()
    )
    assert values == {"ECON_NATIONAL_LITTLE_GIANTS": 33.0, "ECON_DIGITAL_CORE_GDP_SHARE": 100.0}
    assert con.execute("select row_number, rule, column_name from audit.quarantine").fetchall() == [
        (4, "unit_mismatch", "value")
    ]
