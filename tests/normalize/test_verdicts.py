import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.contracts import common_rules
from ingestion.normalize.verdicts import failed_items_in_verdict, parse_verdict


@pytest.mark.parametrize("word", common_rules().verdicts.pass_)
def test_every_pass_word_is_a_pass(word: str) -> None:
    assert parse_verdict(word) == "pass"


@pytest.mark.parametrize("word", common_rules().verdicts.fail)
def test_every_fail_word_is_a_fail(word: str) -> None:
    assert parse_verdict(word) == "fail"


@pytest.mark.parametrize(
    "text", ["不合格：吡虫啉‖7.47mg/kg‖≤0.2mg/kg", "不符合GB 2763", "不合格(复检)"]
)
def test_values_starting_with_a_fail_prefix_are_fails(text: str) -> None:
    assert parse_verdict(text) == "fail"


@pytest.mark.parametrize("text", ["待定", "合格?", "", "OK"])
def test_unknown_words_are_neither(text: str) -> None:
    assert parse_verdict(text) is None


def test_spaces_and_case_do_not_matter() -> None:
    assert parse_verdict(" 合 格 ") == "pass"
    assert parse_verdict("p") == "pass"
    assert parse_verdict("ｆ") == "fail"


def test_fail_verdict_carries_its_items() -> None:
    assert (
        failed_items_in_verdict("不合格：吡虫啉‖7.47mg/kg‖≤0.2mg/kg")
        == "吡虫啉‖7.47mg/kg‖≤0.2mg/kg"
    )
    assert failed_items_in_verdict("不合格") is None


@given(st.text(max_size=15))
def test_verdict_is_pass_fail_or_none(text: str) -> None:
    assert parse_verdict(text) in {"pass", "fail", None}


@given(st.text(max_size=15))
def test_anything_after_fail_prefix_is_fail(suffix: str) -> None:
    assert parse_verdict("不合格" + suffix) == "fail"
