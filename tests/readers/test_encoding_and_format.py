"""Readers: encodings detected, formats sniffed from bytes, headers found under titles."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from ingestion.errors import FileRejected
from ingestion.header import find_header
from ingestion.readers.encoding import detect_encoding
from ingestion.readers.open import open_export, sniff_format
from tests.conftest import MARKET_HEADER, good_market_rows, write_csv, write_xls, write_xlsx

ROWS = [
    ["宜春市市场监督管理局2025年第3期食品安全监督抽检信息"],
    [],
    MARKET_HEADER,
    *good_market_rows(3),
]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, expected: str) -> None:
    assert detect_encoding(write_csv(tmp_path / "a.csv", ROWS, encoding)) == expected


def test_short_gbk_file_is_not_mistaken_for_korean(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_bytes("样品编号,检测项目\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "抽样编号,食品名称\n".encode("utf-16-le"))
    assert detect_encoding(path) == "utf-16"


@pytest.mark.parametrize(
    ("writer", "fmt"), [(write_xlsx, "xlsx"), (write_xls, "xls"), (write_csv, "csv")]
)
def test_format_is_sniffed_from_bytes(tmp_path: Path, writer, fmt: str) -> None:
    path = writer(tmp_path / "named_wrong.txt", ROWS)
    assert sniff_format(path) == fmt


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_other_delimiters(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "\n".join(delimiter.join(r) for r in [MARKET_HEADER, *good_market_rows(2)]),
        encoding="utf-8",
    )
    with open_export(path, 25) as export:
        table = export.tables[0]
        match = find_header(table.preview)
        assert match.contract.name == "market_sampling" and match.row_index == 0
        assert sum(b.table.num_rows for b in table.batches(0, match.width)) == 2


def test_header_found_under_title_notice_and_blank_rows() -> None:
    preview = [["宜春市2025年监督抽检"], ["重要提示：……"], [""], ["声明"], MARKET_HEADER]
    match = find_header(preview)
    assert (match.contract.name, match.row_index) == ("market_sampling", 4)


def test_header_with_spaces_breaks_and_full_width_brackets() -> None:
    header = [
        "工程 代码",
        "工程\n名称",
        "建设地址",
        "实际面积（平方米）",
        "工程造价(万元)",
        "竣工验收日期",
        "验收结论",
    ]
    match = find_header([header])
    assert match.contract.name == "construction_acceptance"
    assert {"project_code", "project_name", "floor_area_m2", "cost_10k_yuan"} <= set(
        match.positions
    )


def test_no_header_in_prose() -> None:
    with pytest.raises(FileRejected) as caught:
        find_header([["本表仅供内部参考"], ["请勿外传"]])
    assert caught.value.rule == "unknown_source"
