"""Row problems as compact strings in Arrow arrays, and their sentences for people.

Columns of problems travel through the vectorised engine as `rule<US>detail` strings (null
means no problem); they are unpacked into sentences only for the few rows that failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ingestion.contracts import messages

_SEP = "\x1f"


#: Between the Chinese and the English of a detail that differs by language (bilingual()).
_LANGS = "\x1e"


def bilingual(zh: str, en: str) -> str:
    """A detail in words, for the clerk's sentence and the data team's."""
    return f"{zh}{_LANGS}{en}"


def encode(rule: str, detail: str = "") -> str:
    if rule not in messages()["row"]:
        raise KeyError(f"unknown row rule {rule!r}")
    return f"{rule}{_SEP}{detail}"


def none_array(length: int) -> pa.Array:
    return pa.nulls(length, pa.string())


@dataclass(frozen=True)
class Problem:
    column: str | None
    rule: str
    value: str | None
    detail: str

    @classmethod
    def decode(cls, column: str | None, encoded: str, value: str | None) -> Problem:
        rule, _, detail = encoded.partition(_SEP)
        return cls(column, rule, value, detail)

    def _format(self, lang: str, header: str) -> str:
        template = messages()["row"][self.rule][lang]
        value = self.value if self.value is None or len(self.value) <= 80 else self.value[:80] + "…"
        detail = messages().get("details", {}).get(self.detail, {}).get(lang, self.detail)
        if _LANGS in detail:
            zh, _, en = detail.partition(_LANGS)
            detail = zh if lang == "zh" else en
        return template.format(
            column=self.column or "", header=header, value=value or "", detail=detail
        )

    def reason_zh(self, header: str) -> str:
        return self._format("zh", header)

    def reason_en(self) -> str:
        return self._format("en", self.column or "")

    def as_dict(self) -> dict[str, str | None]:
        return {
            "column": self.column,
            "rule": self.rule,
            "value": self.value,
            "detail": self.detail,
        }
