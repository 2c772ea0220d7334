"""Hostile and broken files: what an attacker or a broken export system drops in a folder.

Each file comes with the outcome the loader must reach: rejected with a given rule, or loaded
(handled), always within bounded time and memory. Sizes are parameters so tests can keep
them small and a soak run can make them large.
"""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from ingestion.contracts import get_contract

_HEADER = [
    c.aliases[0]
    for c in get_contract("market_sampling").columns
    if c.aliases
    and c.name
    in {
        "sample_id",
        "sampling_type",
        "product_name",
        "sampled_unit",
        "county_code",
        "sampling_date",
        "verdict",
        "failed_items_text",
    }
]


def _row(i: int) -> list[str]:
    values = {
        "抽样编号": f"H{i:06d}",
        "抽检类型": "食品",
        "食品名称": "大米",
        "被抽样单位名称": "某超市",
        "所属县区": "袁州区",
        "抽样日期": "2025-03-05",
        "检验结论": "合格",
        "不合格项目║检验结果║标准值": "",
    }
    return [values[h] for h in _HEADER]


@dataclass(frozen=True)
class HostileFile:
    path: Path
    kind: str
    expected_status: str  # loaded | rejected
    expected_rule: str | None = None


def zip_bomb_xlsx(path: Path, expanded_mb: int = 2048) -> None:
    """A zip whose one member expands to `expanded_mb` of zeros, named .xlsx."""
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(expanded_mb):
            member.write(block)


def empty_styled_rows_xlsx(path: Path, rows: int = 1_000_000) -> None:
    """A real workbook: a header, three rows, then `rows` formatted but empty rows."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    styled = book.add_format({"bg_color": "#FFFF00", "border": 1})
    sheet.write_row(0, 0, _HEADER)
    for i in range(1, 4):
        sheet.write_row(i, 0, _row(i))
    for i in range(4, rows + 4):
        sheet.write_blank(i, 0, None, styled)
    book.close()


def giant_line_csv(path: Path, megabytes: int = 50) -> None:
    """A header, one row, then a single 50 MB line with no line break."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_HEADER)
        writer.writerow(_row(1))
        chunk = "A" * (1 << 20)
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write("\n")


def nul_bytes_csv(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write(",".join(_HEADER).encode() + b"\n")
        for i in range(1, 20):
            fh.write(",".join(_row(i)).encode() + b"\n")
        fh.write(b"H\x00\x00\x00,\x00\x00\n" * 50)


def mixed_encoding_csv(path: Path) -> None:
    with path.open("wb") as fh:
        fh.write((",".join(_HEADER) + "\n").encode("utf-8"))
        for i in range(1, 200):
            fh.write((",".join(_row(i)) + "\n").encode("utf-8"))
        for i in range(200, 220):
            fh.write((",".join(_row(i)) + "\n").encode("gbk"))


def repeated_header_csv(path: Path, repeats: int = 1000) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for i in range(repeats):
            writer.writerow(_HEADER)
            writer.writerow(_row(i))


def write_hostile_files(
    out_dir: Path, *, bomb_mb: int = 2048, empty_rows: int = 1_000_000, line_mb: int = 50
) -> list[HostileFile]:
    """Every hostile kind of issue 8, with the outcome the loader must reach."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [
        HostileFile(out_dir / "抽检结果.xlsx", "zip_bomb", "rejected", "too_large"),
        HostileFile(out_dir / "styled_empty_rows.xlsx", "empty_styled_rows", "loaded"),
        HostileFile(out_dir / "giant_line.csv", "giant_line", "rejected", "unreadable"),
        HostileFile(out_dir / "nul_bytes.csv", "nul_bytes", "rejected", "over_threshold"),
        HostileFile(out_dir / "mixed_encoding.csv", "mixed_encoding", "rejected", "encoding"),
        HostileFile(out_dir / "repeated_header.csv", "repeated_header", "loaded"),
        HostileFile(out_dir / "抽检 ..%2F..%2Fetc passwd 🧪 (1).csv", "odd_name", "loaded"),
        HostileFile(out_dir / ("很长的文件名" * 13 + ".csv"), "long_name", "loaded"),
    ]
    zip_bomb_xlsx(files[0].path, bomb_mb)
    empty_styled_rows_xlsx(files[1].path, empty_rows)
    giant_line_csv(files[2].path, line_mb)
    nul_bytes_csv(files[3].path)
    mixed_encoding_csv(files[4].path)
    repeated_header_csv(files[5].path)
    for k, hostile in enumerate(files[6:]):
        with hostile.path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([_HEADER, *(_row(i) for i in range(10 * k + 1, 10 * k + 6))])
    return files
