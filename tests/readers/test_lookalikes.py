"""Look-alikes (contract, "Variations"): a file that is no table is rejected with a
sentence that names what it is, in words a clerk knows."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest

_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body>抽检结果</w:body></w:document>")
    return path


def _png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    image = zlib.compress(b"\x00\x00")
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", image) + chunk(b"IEND", b"")
    )
    return path


def _ole2(path: Path, stream: str) -> Path:
    """The first sector of a compound file and a directory entry naming `stream` (how an
    encrypted workbook or a Word 97 document begins)."""
    name = stream.encode("utf-16-le") + b"\x00\x00"
    entry = name.ljust(64, b"\x00") + struct.pack("<H", len(name)) + b"\x02" * 2
    path.write_bytes(_OLE2_MAGIC + b"\x00" * 504 + entry.ljust(128, b"\x00") + b"\x00" * 512)
    return path


@pytest.mark.parametrize(
    ("make", "name", "rule", "says"),
    [
        (_docx, "抽检结果.xlsx", "unsupported_format", "Word文档"),
        (_docx, "抽检结果.csv", "unsupported_format", "Word文档"),
        (_png, "抽检结果.xlsx", "unsupported_format", "图片"),
        (lambda p: _ole2(p, "EncryptedPackage"), "抽检结果.xlsx", "encrypted", "去掉密码"),
        (lambda p: _ole2(p, "WordDocument"), "抽检结果.xls", "unsupported_format", "Word文档"),
    ],
)
def test_a_look_alike_is_named_for_what_it_is(
    tmp_path: Path, loader, make, name: str, rule: str, says: str
) -> None:
    result = loader.ingest(make(tmp_path / name))
    assert (result.status, result.reject_rule) == ("rejected", rule)
    assert says in result.error


def test_a_table_in_traditional_characters_asks_for_simplified_headers(
    tmp_path: Path, loader
) -> None:
    from opencc import OpenCC

    from tests.conftest import MARKET_HEADER, good_market_rows, write_csv

    to_traditional = OpenCC("s2t").convert
    header = [to_traditional(h) for h in MARKET_HEADER]
    assert header != MARKET_HEADER  # 抽樣編號, 檢驗結論 …
    result = loader.ingest(write_csv(tmp_path / "抽檢結果.csv", [header, *good_market_rows(3)]))
    assert (result.status, result.reject_rule) == ("rejected", "traditional_headers")
    assert "请使用简体中文表头" in result.error
