"""Text the project writes into spreadsheets and CSV files a clerk will open.

A cell that starts with `=`, `+`, `-` or `@` is run as a formula by Excel and WPS; an export
can carry such text on purpose (formula injection), so it is written with a leading
apostrophe, which spreadsheet programs show as plain text.
"""

from __future__ import annotations

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
