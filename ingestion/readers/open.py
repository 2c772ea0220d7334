"""Open any export: the format comes from the file's bytes, never from its name."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ingestion.errors import FileRejected
from ingestion.readers.base import RawTable
from ingestion.readers.csv import read_csv
from ingestion.readers.encoding import detect_encoding, to_utf8
from ingestion.readers.excel import read_workbook

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
#: Pictures renamed as exports (a photo of a printed table): their first bytes.
_PICTURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
#: Office documents that are not workbooks, by a part (zip) or stream (OLE2) they hold.
_NOT_WORKBOOKS = (
    ("word/", "WordDocument", "a Word document", "Word文档"),
    ("ppt/", "PowerPoint Document", "a PowerPoint file", "PowerPoint演示文稿"),
)
#: An encrypted workbook is an OLE2 file holding this stream (names are UTF-16 there).
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
#: How far into an OLE2 file its stream names are looked for.
_OLE2_SCAN = 1 << 20
#: Refuse workbooks whose parts expand beyond this (a zip bomb dressed as .xlsx).
MAX_XLSX_EXPANDED_BYTES = 1 << 30
MAX_XLSX_RATIO = 200


@dataclass
class ExportFile:
    file_format: str  # csv | xlsx | xls
    encoding: str | None
    tables: list[RawTable]


def sniff_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise FileRejected("empty")
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE2_MAGIC):
        return "xls"
    if head.startswith(_PICTURES):
        raise FileRejected(
            "unsupported_format", "a picture", "图片（请报送表格文件，不要拍照或截图）"
        )
    if head.startswith(b"%PDF"):
        raise FileRejected("unsupported_format", "a PDF document", "PDF文档")
    if head.lstrip().lower().startswith((b"<html", b"<!doc", b"<?xml", b"<table")):
        raise FileRejected(
            "unsupported_format",
            "an HTML/XML page saved with a spreadsheet name",
            "网页（HTML/XML）文件改成了表格的文件名",
        )
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            "unsupported_format", "binary content that is not a spreadsheet", "不是表格的二进制文件"
        )
    return "csv"


def _check_ole2(path: Path) -> None:
    """An encrypted workbook or a Word file renamed `.xls` says so, in words a clerk knows."""
    with path.open("rb") as fh:
        head = fh.read(_OLE2_SCAN)
    if _ENCRYPTED_STREAM in head:
        raise FileRejected("encrypted")
    for _, stream, what_en, what_zh in _NOT_WORKBOOKS:
        if stream.encode("utf-16-le") in head:
            raise FileRejected("unsupported_format", what_en, what_zh)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise FileRejected(
            "unreadable", "the workbook is truncated or corrupt", "工作簿文件不完整或已损坏"
        ) from None
    names = [i.filename for i in infos]
    for folder, _, what_en, what_zh in _NOT_WORKBOOKS:
        if any(n.startswith(folder) for n in names):
            raise FileRejected("unsupported_format", what_en, what_zh)
    expanded = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if expanded > MAX_XLSX_EXPANDED_BYTES or expanded / packed > MAX_XLSX_RATIO:
        raise FileRejected(
            "too_large",
            f"{expanded:,} bytes once unpacked ({expanded / packed:.0f}x the file)",
            f"解压后{expanded / 2**20:,.0f} MB，是文件大小的{expanded / packed:.0f}倍",
        )


@contextmanager
def open_export(path: Path, preview_rows: int) -> Iterator[ExportFile]:
    """Yield the file's tables; temporary files (re-encoded CSV) live as long as the context."""
    if not path.is_file():
        raise FileRejected("unreadable", "not a regular file", "不是普通文件")
    if path.stat().st_size == 0:
        raise FileRejected("empty")
    file_format = sniff_format(path)
    if file_format in ("xlsx", "xls"):
        if file_format == "xlsx":
            _check_zip(path)
        else:
            _check_ole2(path)
        try:
            tables = read_workbook(path, preview_rows)
        except FileRejected:
            raise
        except Exception as exc:  # calamine raises its own types for every broken workbook
            raise FileRejected("unreadable", _first_line(exc), "工作簿已损坏或无法解析") from None
        yield ExportFile(file_format, None, tables)
        return
    encoding = detect_encoding(path)
    if encoding in ("utf-8", "utf-8-sig"):
        yield ExportFile("csv", encoding, read_csv(path, encoding, preview_rows))
        return
    with tempfile.TemporaryDirectory(prefix="qcity-") as tmp:
        utf8 = Path(tmp) / "utf8.csv"
        to_utf8(path, encoding, utf8)
        yield ExportFile("csv", encoding, read_csv(utf8, "utf-8", preview_rows))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
