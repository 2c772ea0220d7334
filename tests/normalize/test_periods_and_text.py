import pytest

from ingestion.normalize.periods import parse_period
from ingestion.normalize.text import clean_text, normalize_header


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("2025", "2025"),
        ("2025年", "2025"),
        ("2025Q3", "2025Q3"),
        ("2025q1", "2025Q1"),
        ("2025年第三季度", "2025Q3"),
        ("2025年第1季度", "2025Q1"),
        ("2025-09", "2025-09"),
        ("2025年9月", "2025-09"),
        ("2025/9", "2025-09"),
        ("２０２５年", "2025"),
    ],
)
def test_every_period_form(text: str, period: str) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["2025年13月", "2025H1", "上半年", "25", "2025Q5"])
def test_bad_periods(text: str) -> None:
    assert parse_period(text) is None


@pytest.mark.parametrize(
    "text", ["/", "／", "无", "—", "——", "---", "-", "未发现不合格项目", "", "  "]
)
def test_placeholders_are_empty(text: str) -> None:
    assert clean_text(text) is None


def test_headers_fold_spaces_breaks_and_full_width_punctuation() -> None:
    assert normalize_header("监督 抽查\n时间") == "监督抽查时间"
    assert normalize_header("实际面积（平方米）") == normalize_header("实际面积(平方米)")
    assert normalize_header("不合格项目‖检验结果‖标准值") == "不合格项目║检验结果║标准值"
