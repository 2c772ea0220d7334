"""What a load passed over without loading, and why: rows that are not data and sheets
that hold no table. Each is counted, so rows read + rows skipped covers every row sent,
and named in plain words for the clerk (messages.yaml, `skipped:`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ingestion.contracts import messages

#: Row numbers kept per note; the count is always exact.
_NUMBERS_KEPT = 50


@dataclass
class Skip:
    rule: str  # a key of messages.yaml `skipped:`
    sheet: str | None
    rows: int = 0
    row_numbers: list[int] = field(default_factory=list)

    def add(self, numbers: list[int]) -> None:
        self.rows += len(numbers)
        room = _NUMBERS_KEPT - len(self.row_numbers)
        if room > 0:
            self.row_numbers += numbers[:room]

    def _format(self, lang: str) -> str:
        template = messages()["skipped"][self.rule][lang]
        return template.format(
            sheet=f"工作表“{self.sheet}”中" if self.sheet else "",
            sheet_en=f" in sheet {self.sheet}" if self.sheet else "",
            rows=self.rows,
            detail=self.sheet or "",
        )

    def reason_zh(self) -> str:
        return self._format("zh")

    def reason_en(self) -> str:
        return self._format("en")

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "rule": self.rule,
            "rows": self.rows,
            "row_numbers": self.row_numbers,
            "reason_zh": self.reason_zh(),
            "reason_en": self.reason_en(),
        }


class SkipLog:
    """The notes of one load, one per sheet and rule, in the order met."""

    def __init__(self) -> None:
        self._notes: dict[tuple[str | None, str], Skip] = {}

    def add(
        self, sheet: str | None, rule: str, numbers: list[int], rows: int | None = None
    ) -> None:
        note = self._notes.setdefault((sheet, rule), Skip(rule, sheet))
        note.add(numbers)
        if rows is not None:
            note.rows += rows - len(numbers)

    def extend(self, other: SkipLog) -> None:
        for note in other.notes():
            self.add(note.sheet, note.rule, note.row_numbers, note.rows)

    def notes(self) -> list[Skip]:
        return list(self._notes.values())

    @property
    def rows(self) -> int:
        return sum(n.rows for n in self._notes.values())

    def clear(self) -> None:
        self._notes.clear()
