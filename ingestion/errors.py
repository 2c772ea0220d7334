"""The one exception a file is rejected with, and its sentences for people."""

from __future__ import annotations

from ingestion.contracts import messages


class FileRejected(Exception):
    """A file-level problem: nothing of the file is loaded.

    `rule` is a key of the `file:` section of messages.yaml, so the clerk's sentence, the
    data team's sentence and the alert all come from one place.
    """

    def __init__(self, rule: str, detail: str = "") -> None:
        if rule not in messages()["file"]:
            raise KeyError(f"unknown file rule {rule!r}")
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail

    def message_zh(self, file_name: str) -> str:
        return messages()["file"][self.rule]["zh"].format(file=file_name, detail=self.detail)

    def message_en(self, file_name: str) -> str:
        return messages()["file"][self.rule]["en"].format(file=file_name, detail=self.detail)
