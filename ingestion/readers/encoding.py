"""Text encoding of a CSV export: detected, never asked for."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from ingestion.errors import FileRejected

SAMPLE_BYTES = 1 << 20
_CHUNK = 1 << 22
#: Chinese Excel saves "CSV" in GBK; GB18030 is its superset, so decode every GB variant with it.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}


def _utf8_prefix_ok(sample: bytes) -> bool:
    """True when the sample is UTF-8, allowing a character cut at the sample's end."""
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"


def _looks_like_chinese(sample: bytes, encoding: str) -> bool:
    """Decodes strictly and reads as Chinese text: CJK, ASCII and common punctuation."""
    try:
        text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample)
    except UnicodeDecodeError:
        return False
    if not text:
        return False
    plausible = sum(
        1
        for ch in text
        if ch.isascii()
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
        or ch in "║‖｜丨—…“”‘’·≤≥㎡μ±℃"
    )
    return plausible / len(text) >= 0.95


def detect_encoding(path: Path) -> str:
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _utf8_prefix_ok(sample):
        return "utf-8"
    if _looks_like_chinese(sample, "gb18030"):
        return "gb18030"
    # Anything else: let the detector decide (it is weak on short Chinese text, which is
    # why the contract's own encodings are tried first).
    best = from_bytes(sample).best()
    if best is None:
        raise FileRejected(
            "encoding",
            "not UTF-8 and no other encoding fits",
            "既不是UTF-8，也不是GBK/GB18030等常见编码",
        )
    name = best.encoding.lower().replace("_", "")
    return "gb18030" if name in _GB_FAMILY else best.encoding


def to_utf8(path: Path, encoding: str, target: Path) -> None:
    """Re-encode a whole file to UTF-8 (no BOM) so one fast parser reads every file.

    Any byte sequence that is invalid in the detected encoding rejects the file: a file
    saved partly in one encoding and partly in another must not load half-garbled.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            try:
                dst.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as exc:
                raise FileRejected(
                    "encoding",
                    f"bytes at offset {offset + exc.start} are not valid {encoding}",
                    f"第{offset + exc.start}个字节起不符合{encoding.upper()}编码，文件可能混用了多种编码",
                ) from None
            offset += len(chunk)
        try:
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
        except UnicodeDecodeError:
            raise FileRejected(
                "encoding",
                f"the file ends inside a {encoding} character",
                f"文件在一个{encoding.upper()}字符的中间结束，可能没有保存完整",
            ) from None
