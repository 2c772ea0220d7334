"""The byte scan that decides where control characters are looked for misses none."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ingestion.engine import _may_hold_control_chars, _strip_control_chars


@pytest.mark.parametrize(
    ("text", "held"),
    [
        ("芹\x00菜", True),
        ("x\x1fy", True),
        ("del\x7f", True),
        ("c1\u0085x", True),
        ("tab\tline\nbreak\r\n", False),
        ("宜春市某某超市（二店）", False),
        ("é Â ¥", False),
    ],
)
def test_the_scan_finds_every_control_character(text: str, held: bool) -> None:
    assert _may_hold_control_chars(pa.array([text])) is held
    assert _may_hold_control_chars(pa.array(["前", text, "后"]).slice(1, 1)) is held
    assert _may_hold_control_chars(pa.chunked_array([["ok"], [text]])) is held


def test_only_control_characters_are_removed_and_counted() -> None:
    table = pa.table({"a": ["芹\x00菜", None, "a\tb"], "b": ["x\x7f\x85", "y", "z"]})
    cleaned, removed = _strip_control_chars(table)
    assert removed == 3
    assert cleaned.to_pydict() == {"a": ["芹菜", None, "a\tb"], "b": ["x", "y", "z"]}
