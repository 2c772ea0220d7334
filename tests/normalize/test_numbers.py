import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingestion.normalize.numbers import parse_integer, parse_number
from ingestion.normalize.text import nfkc


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("０.０２", 0.02),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        ("0.79g/kg", 0.79),
        ("50.0%", 50.0),
        ("≤0.2", 0.2),
        ("≥5", 5.0),
        ("30000㎡", 30000.0),
        ("12 345", 12345.0),
        ("-3.5", -3.5),
        ("1e3", 1000.0),
        ("2,500万元", 2500.0),
    ],
)
def test_numbers_with_units_separators_and_full_width_digits(text: str, value: float) -> None:
    parsed = parse_number(text)
    assert parsed.ok and not parsed.below_detection
    assert parsed.value == pytest.approx(value)


@pytest.mark.parametrize("text", ["未检出", "ND", "nd", "<0.01", "<5.0", "＜0.01", "N.D."])
def test_below_detection_has_no_value(text: str) -> None:
    parsed = parse_number(text)
    assert parsed.ok and parsed.below_detection and parsed.value is None


@pytest.mark.parametrize("text", ["abc", "12a3", "约", "1.2.3x4", "--"])
def test_garbage_is_not_a_number(text: str) -> None:
    assert not parse_number(text).ok


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_plain_floats_roundtrip(x: float) -> None:
    assert parse_number(repr(x)).value == pytest.approx(x)


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separators_are_ignored(n: int) -> None:
    assert parse_number(f"{n:,}").value == n


@given(
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["mg/kg", "%", "g/kg", "万元", "μg/kg"]),
)
def test_full_width_digits_with_units(n: int, unit: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    assert nfkc(full_width) == str(n)
    assert parse_number(full_width + unit).value == n


@given(st.text(max_size=20))
def test_parse_number_never_raises(text: str) -> None:
    parsed = parse_number(text)
    if not parsed.ok or parsed.below_detection:
        assert parsed.value is None
    elif parsed.value is not None:
        assert not math.isnan(parsed.value)


@pytest.mark.parametrize(
    ("text", "value"), [("1", 1), ("2.0", 2), ("第2次", 2), ("第二次", 2), ("首次", 1), ("３", 3)]
)
def test_acceptance_rounds(text: str, value: int) -> None:
    assert parse_integer(text) == value


@pytest.mark.parametrize("text", ["1.5", "两三次", "x"])
def test_non_integers(text: str) -> None:
    assert parse_integer(text) is None
