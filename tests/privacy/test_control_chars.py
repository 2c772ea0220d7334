"""Control characters in a cell are removed while parsing (a NUL byte would block every
publication to PostgreSQL); the end-to-end proof, a NUL-laden export reaching PostgreSQL,
rides the privacy module's builds (tests/privacy/test_no_personal_data_in_marts.py).
"""

from __future__ import annotations

from ingestion.normalize.text import clean_text


def test_clean_text_drops_control_characters_but_keeps_line_breaks() -> None:
    assert clean_text("芹\x00菜") == "芹菜"
    assert clean_text("a\x07b\x1fc\x7fd\x85e") == "abcde"
    assert clean_text("第一行\n第二行\t完") == "第一行\n第二行\t完"
