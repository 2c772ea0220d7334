from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.normalize.dates import parse_date

EXAMPLES = {
    "2025-03-05": date(2025, 3, 5),
    "2025/3/5": date(2025, 3, 5),
    "2025.3.5": date(2025, 3, 5),
    "2025年3月5日": date(2025, 3, 5),
    "2025/7/17 0:00:00": date(2025, 7, 17),
    "2025-04-15(购进日期)": date(2025, 4, 15),
    "45658": date(2025, 1, 1),
    "45658.0": date(2025, 1, 1),
    "２０２５－０３－０５": date(2025, 3, 5),
    "20250305": date(2025, 3, 5),
    " 2025-03-05 ": date(2025, 3, 5),
}


@pytest.mark.parametrize(("text", "expected"), EXAMPLES.items())
def test_every_date_form_of_the_contract_parses(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2025-13-45", "2025-02-30", "下周二", "abc", "", "12", "2025年3月"]
)
def test_non_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


def test_excel_serial_outside_plausible_range_is_not_a_date() -> None:
    assert parse_date("123") is None
    assert parse_date("99999") is None


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_every_separated_form_roundtrips(d: date) -> None:
    for text in (
        d.isoformat(),
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}/{d.month}/{d.day} 0:00:00",
    ):
        assert parse_date(text) == d


@given(st.integers(min_value=20000, max_value=80000))
def test_excel_serial_counts_from_1899_12_30(serial: int) -> None:
    assert parse_date(str(serial)) == date(1899, 12, 30) + timedelta(days=serial)


@given(st.text(max_size=30))
def test_parse_date_never_raises(text: str) -> None:
    result = parse_date(text)
    assert result is None or isinstance(result, date)
