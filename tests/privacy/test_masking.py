"""The personal-data rules: what they mask, what they leave, and that dbt has the same ones.

dbt's macro file is generated from ingestion/contracts/common.yaml; these tests fail when it
drifts, and pin the rules' behaviour in Python (the dbt unit test
personal_data_is_masked_before_any_mart pins the same on DuckDB and PostgreSQL).
"""

from __future__ import annotations

import pytest

from ingestion.contracts import all_contracts
from ingestion.privacy import (
    MACRO_PATH,
    all_free_text_columns,
    mask_payload,
    mask_text,
    render_macro,
)


def test_the_dbt_macro_is_generated_from_the_contracts() -> None:
    assert MACRO_PATH.read_text(encoding="utf-8") == render_macro(), (
        "dbt_project/macros/personal_data_rules.sql is stale: run qcity contracts sync"
    )


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("填报人:郑十,电话13600001234", "填报人***,电话[手机号]"),
        ("填报人：郑十", "填报人***"),
        ("联系人张三，电话138-1234-5001", "联系人***，电话[手机号]"),
        ("联系人 赵六 138 1234 5002", "联系人*** [手机号]"),
        ("负责人及电话：李四 +86 13912345003", "负责人*** [手机号]"),
        ("联系人张三：电话", "联系人***"),
        ("身份证36010219900101123X", "身份证[身份证号]"),
        ("360102199001011234", "[身份证号]"),
        ("张三（个体）", "***（个体）"),
        ("李四(个体工商户)水果摊", "***(个体工商户)水果摊"),
        ("联系电话0795-3211234", "联系电话[电话]"),
        ("13800001234,13900001234", "[手机号],[手机号]"),
        ("a+13812345003", "a[手机号]"),
    ],
)
def test_personal_data_becomes_fixed_marks(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "宜春市XX食品有限公司",
        "SP20250305138001",
        "2025-03-05",
        "20250305",
        "批号2025030513",
        "芹菜",
        "吡虫啉",
        "GB 2763-2021",
        "宜建竣备2025-0012",
        "0.02mg/kg",
    ],
)
def test_what_is_no_person_stays(text: str) -> None:
    assert mask_text(text) == text


def test_a_bare_name_is_masked_in_party_columns_only() -> None:
    assert mask_text("张三", names_party=True) == "张**"
    assert mask_text("张三蔬菜店", names_party=True) == "张三蔬菜店"
    assert mask_text("芹菜") == "芹菜"  # a product name is no party


def test_every_string_of_an_alert_payload_is_masked() -> None:
    payload = {"rows": [{"value": "电话13812345001", "row_number": 3}], "file": "a.csv"}
    assert mask_payload(payload) == {
        "rows": [{"value": "电话[手机号]", "row_number": 3}],
        "file": "a.csv",
    }


def test_free_text_is_every_string_column_outside_the_natural_key() -> None:
    columns = all_free_text_columns()
    for contract in all_contracts():
        assert not set(contract.natural_key) & set(columns[contract.name])
    assert {"remarks", "producer_name", "sampled_unit"} <= set(columns["market_sampling"])
    assert {"builder", "contractor"} <= set(columns["construction_acceptance"])
    assert {"sampling_site"} <= set(columns["agri_testing"])
    assert {"department", "remarks"} <= set(columns["indicator_reports"])
    assert "sample_id" not in columns["market_sampling_failed_items"]
