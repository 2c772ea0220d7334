"""Files that must be rejected whole, one per ``file:`` rule code of messages.yaml.

Files whose rejection depends on their rows (a missing column, a file name that decides
nothing, too many bad rows) are written by the source modules with a twist; this module
writes the ones that are broken as files: empty, truncated, not a table format, text in two
encodings, no header anywhere, or headers of no known source.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sample_data.writers import XlsxSink

#: A one-page PDF announcement, as departments also drop into the landing folder.
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def write_empty(path: Path) -> None:
    """A zero-byte file: an export that failed before writing anything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")


def truncate(path: Path, keep: float = 0.55) -> None:
    """Cut a workbook short, as an interrupted copy or e-mail attachment does.

    An .xlsx is a zip whose directory sits at the end, so any cut makes it unreadable.
    """
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def write_pdf(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_PDF)


def write_mixed_encoding_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    """Half the rows in UTF-8, half in GB18030: two exports pasted together by byte.

    The UTF-8 part is not valid GB18030 (a three-byte UTF-8 character followed by an ASCII
    comma leaves a GB18030 lead byte without a trail byte) and the GB18030 part is not valid
    UTF-8, so no single encoding reads the file.
    """
    half = len(rows) // 2

    def text(part: list[list[str]]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(part)
        return buf.getvalue()

    data = text([header, *rows[:half]]).encode("utf-8") + text(rows[half:]).encode("gb18030")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_notes_xlsx(path: Path, lines: list[str]) -> None:
    """A workbook of prose only (the instructions sheet a clerk exported by mistake)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = XlsxSink(path)
    for line in lines:
        sink.write_row([line])
    sink.close()


def write_table_xlsx(path: Path, title: str, header: list[str], rows: list[list[str]]) -> None:
    """A well-formed table that belongs to no source."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sink = XlsxSink(path)
    sink.write_title(title, len(header))
    sink.write_row(header)
    for row in rows:
        sink.write_row(row)
    sink.close()


INSTRUCTIONS = [
    "质量强市指标填报说明",
    "一、各责任单位应于每季度结束后10个工作日内报送本季度指标完成情况。",
    "二、数值一律填写阿拉伯数字，百分比指标填写百分数的数值部分。",
    "三、县（市、区）数据由各地市场监管部门汇总后统一报送。",
    "四、统计期按年度、季度或月度填写，如2025年第三季度。",
    "五、对数据真实性负责，填报人和审核人须签字确认。",
    "六、联系人：市质量强市工作领导小组办公室，联系电话：0795-3xxxxxx。",
    *[f"附{i}：{t}" for i, t in enumerate(("指标解释", "计算口径", "报送流程", "常见问题"), 1)],
    *[""] * 3,
    *[f"{i}. 本页为说明，请勿在此页填报数据。" for i in range(1, 18)],
]

#: A company register: a real table, but not one header cell is an alias of any source.
ENTERPRISE_HEADER = ["序号", "企业名称", "统一社会信用代码", "所在地区", "注册地址", "主营产品",
                     "联系电话", "说明"]  # fmt: skip
