"""How one value is spelled in an export: dates, numbers and header cells.

Every spelling that a departmental export can use (the contract's "variations every reader
must tolerate") is produced here, and every function records the variation it used as a tag
in the file's tag set. The manifest lists those tags per file, so a test can prove that a
default run exercises each variation instead of hoping it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sample_data import contract_view as cv

Tags = set[str]


@dataclass(frozen=True, slots=True)
class DateCell:
    """A real date cell in a workbook (Excel stores the serial and a date number format)."""

    value: date
    num_format: str = "yyyy-mm-dd"


#: What a writer accepts for a cell. ``int``/``float`` become number cells in workbooks.
Cell = str | int | float | DateCell | None

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_TO_FULLWIDTH_PUNCT = str.maketrans({"(": "（", ")": "）", "/": "／", ";": "；"})
_TO_HALFWIDTH_PUNCT = str.maketrans({"（": "(", "）": ")", "／": "/", "；": ";"})


def excel_serial(d: date) -> int:
    """Days since the contract's Excel epoch (1899-12-30), so 2025-01-01 is 45658."""
    return (d - cv.excel_epoch()).days


def render_date(d: date, form: str, fmt: str, tags: Tags) -> Cell:
    """``d`` spelled in ``form``; ``fmt`` tells whether a serial is a number or text."""
    if form == "iso":
        out: Cell = d.isoformat()
    elif form == "slash":
        out = f"{d.year}/{d.month}/{d.day}"
    elif form == "dot":
        out = f"{d.year}.{d.month}.{d.day}"
    elif form == "cn":
        out = f"{d.year}年{d.month}月{d.day}日"
    elif form == "datetime":
        out = f"{d.year}/{d.month}/{d.day} 0:00:00"
    elif form == "annotated":
        out = f"{d.isoformat()}(购进日期)"
    elif form == "serial":
        serial = excel_serial(d)
        # A CSV has no types: the serial is the integer Excel shows when the format is lost.
        out = str(serial) if fmt == "csv" else serial
        tags.add("date:serial_text" if fmt == "csv" else "date:serial_number")
        return out
    elif form == "cell":
        if fmt == "csv":
            raise ValueError("a CSV cannot hold a date cell")
        tags.add("date:cell")
        return DateCell(d, "yyyy/m/d" if d.day % 2 else "yyyy-mm-dd")
    else:
        raise ValueError(f"unknown date form {form!r}")
    tags.add(f"date:{form}")
    return out


def fmt_decimal(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def to_fullwidth_digits(text: str) -> str:
    return text.translate(_FULLWIDTH)


def render_number(
    x: float,
    decimals: int,
    form: str,
    fmt: str,
    tags: Tags,
    unit: str = "",
) -> Cell:
    """``x`` spelled as a clerk types it: plain, full-width, with separators or a unit.

    ``form`` is one of plain, fullwidth, thousands, unit, le (a ``≤`` prefix, for limits),
    percent (``50.0%``) or native (a number cell in a workbook, plain text in a CSV).
    """
    text = fmt_decimal(x, decimals)
    if form == "native":
        if fmt == "csv":
            tags.add("number:plain")
            return text
        tags.add("number:cell")
        return round(x, decimals) if decimals else round(x)
    if form == "plain":
        out = text
    elif form == "fullwidth":
        out = to_fullwidth_digits(text)
    elif form == "thousands":
        out = f"{x:,.{decimals}f}"
        if "," not in out:
            form = "plain"
    elif form == "unit":
        if not unit:
            raise ValueError("form 'unit' needs a unit")
        out = f"{text}{unit}"
    elif form == "le":
        out = f"≤{text}"
    elif form == "percent":
        out = f"{text}%"
    else:
        raise ValueError(f"unknown number form {form!r}")
    tags.add(f"number:{form}")
    return out


def header_variant(alias: str, kind: str, tags: Tags) -> str:
    """An alias as a hand-made export writes it; the reader's NFKC + whitespace removal
    must map every variant back to the alias.

    kinds: plain, inner_space, surrounding_space, fullwidth_punct, halfwidth_punct,
    line_break. A kind that cannot apply to ``alias`` falls back to plain.
    """
    out = alias
    if kind == "inner_space" and len(alias) >= 4:
        step = max(2, len(alias) // 3)
        out = " ".join(alias[i : i + step] for i in range(0, len(alias), step))
    elif kind == "surrounding_space":
        out = f" {alias}  "
    elif kind == "fullwidth_punct":
        out = alias.translate(_TO_FULLWIDTH_PUNCT)
    elif kind == "halfwidth_punct":
        out = alias.translate(_TO_HALFWIDTH_PUNCT)
    elif kind == "line_break" and len(alias) >= 4:
        cut = alias.find("║") + 1 or len(alias) // 2
        out = f"{alias[:cut]}\n{alias[cut:]}"
    if out == alias:
        kind = "plain"
    tags.add(f"header:{kind}")
    if any(u in alias for u in ("（平方米）", "（㎡）", "（万元）")):
        tags.add("header:trailing_unit")
    return out
