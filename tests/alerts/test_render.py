"""The words a clerk reads: every kind renders; untrusted values cannot inject anything."""

from __future__ import annotations

import pytest

from alerts.render import KINDS, Intended, render, subject

HOSTILE = "<img src=x onerror=alert(1)>[点我](http://evil.test)\n# 标题.csv"

FILE = {
    "file": HOSTILE, "source": "market_sampling", "source_title": "市场监管局监督抽检结果",
    "source_title_en": "Market sampling", "status": "rejected", "load_id": 7, "sha256": "ab",
    "rows_read": 50, "rows_loaded": 0, "rows_quarantined": 0, "problem_rows": 12, "share": 0.24,
    "alert_share": 0.02, "reject_threshold": 0.2, "reject_rule": "over_threshold",
    "error": f"文件“{HOSTILE}”中24%的行有问题，超过允许比例，整份文件退回",
    "error_en": "file has 24% of its rows quarantined", "rules_sampled": False, "rows_scanned": 12,
    "top_rules": [{"rule": "invalid_date", "header": "抽样日期", "column": "sampling_date",
                   "rows": 12, "example_row": 5,
                   "sentence_zh": "“抽样日期”的值“2025-13-45”不是可识别的日期",
                   "sentence_en": "sampling_date value '2025-13-45' is not a recognisable date"}],
    "first_rows": [{"row_number": 5, "reason_zh": "“抽样日期”的值“2025-13-45”不是可识别的日期",
                    "cells": [{"header": "抽样日期", "value": "<b>2025-13-45</b>"}]}],
}  # fmt: skip
PAYLOADS = {
    "file_rejected": FILE,
    "rows_quarantined": {**FILE, "status": "loaded", "rows_loaded": 38},
    "delivery_overdue": {
        "source": "agri_testing", "source_title": "农业农村局食用农产品检测",
        "source_title_en": "Agri", "department": "市农业农村局", "cadence_days": 7,
        "due": "2025-10-20", "as_of": "2025-11-01", "days_overdue": 12,
        "last_received_at": "2025-10-13 09:00", "last_file": "例行监测.csv",
    },
    "indicator_digest": {
        "as_of": "2025-11-03", "year": 2025, "week": "2025年第45周",
        "department_code": "YC_HOUSING_CONSTRUCTION", "whole_plan": False,
        "shortfalls": [{"code": "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE", "name_zh": "大中型工程项目一次验收合格率",
                   "unit": "%", "target_text": "大中型工程项目一次验收合格率达到100%",
                   "city": {"status": "not_achieved", "actual": 95.0, "shortfall": 5.0},
                   "counties": [{"code": "360902", "name": "袁州区", "actual": 80.0}]}],
        "missing": [{"code": "STD_LOCAL", "name_zh": "制修订地方标准"}],
    },
    "pipeline_failure": {
        "dag_id": "qcity_ingest", "task_id": "load", "run_id": "manual__1", "try_number": 2,
        "map_index": -1, "logical_date": None, "exception": "ValueError: <坏>",
        "log_url": "http://127.0.0.1:8080/log?x=1", "hostname": "worker-1",
    },
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_chinese_with_an_english_line(kind: str) -> None:
    out = render(kind, PAYLOADS[kind], "市住建局", attachment_name="x_整改清单.xlsx")
    assert "\n" not in out.subject and out.subject.startswith("【")
    assert "市住建局：" in out.text and "市住建局" in out.html
    assert "EN (data team):" in out.text and "EN (data team):" in out.html
    assert out.html.lstrip().startswith("<!doctype html>")


def test_file_alert_names_counts_rules_rows_and_workbook() -> None:
    text = render("file_rejected", FILE, "市市场监管局", attachment_name="w_整改清单.xlsx").text
    assert "共读取50行，其中12行有问题（24.0%，允许比例为20%）" in text
    assert "1. “抽样日期”的值“2025-13-45”不是可识别的日期——共12行（如第5行）" in text
    assert "- 第5行：" in text
    assert "整改清单《w_整改清单.xlsx》见附件" in text
    assert "top rule invalid_date on sampling_date (12 rows)" in text


def test_html_escapes_what_came_from_files() -> None:
    html = render("file_rejected", FILE, "市市场监管局").html
    assert "<img" not in html and "&lt;img src=x" in html
    assert "<b>2025-13-45</b>" not in html
    assert (
        "ValueError: &lt;坏&gt;"
        in render("pipeline_failure", PAYLOADS["pipeline_failure"], "数据工程组").html
    )


def test_robot_markdown_defuses_links_tags_and_headings() -> None:
    out = render("file_rejected", FILE, "市市场监管局", link="http://127.0.0.1/w.xlsx")
    assert "[点我](http" not in out.robot and "<img" not in out.robot
    assert "\n# 标题" not in out.robot and "［点我］" in out.robot
    assert "[点击下载](http://127.0.0.1/w.xlsx)" in out.robot  # our own link stays a link
    assert "[点我](http://evil.test)" in out.text  # plain text keeps the name as it was


def test_robot_without_a_link_points_to_the_email() -> None:
    assert (
        "整改清单已随邮件发送"
        in render("rows_quarantined", PAYLOADS["rows_quarantined"], "x").robot
    )


def test_redirect_says_who_it_was_meant_for() -> None:
    intended = Intended("市住建局", "email", "zj@qcity.test")
    out = render("delivery_overdue", PAYLOADS["delivery_overdue"], "市住建局", intended=intended)
    assert out.subject.startswith("[转发：原发市住建局]")
    assert "原应通过邮件发送给 市住建局（zj@qcity.test）" in out.text
    assert "原应通过邮件发送给 <b>市住建局</b>" in out.html


def test_digest_lists_shortfalls_counties_and_missing_returns() -> None:
    text = render("indicator_digest", PAYLOADS["indicator_digest"], "市住建局").text
    assert (
        "**大中型工程项目一次验收合格率**（目标：大中型工程项目一次验收合格率达到100%）：全市95%，差5个百分点"
        in text
    )
    assert "未达标的县（市、区）：袁州区80%" in text
    assert "请按《质量强市指标填报》模板报送：制修订地方标准" in text


def test_overdue_never_delivered() -> None:
    payload = {**PAYLOADS["delivery_overdue"], "due": None, "days_overdue": None,
               "last_received_at": None, "last_file": None}  # fmt: skip
    assert (
        subject("delivery_overdue", payload, "x")
        == "【质量强市数据】农业农村局食用农产品检测尚未报送"
    )
    assert "尚未收到过该类数据" in render("delivery_overdue", payload, "x").text
