"""Pass/fail words from the contract's verdict vocabulary."""

from __future__ import annotations

from functools import cache

from ingestion.contracts import common_rules
from ingestion.normalize.text import squeeze


@cache
def _vocabulary() -> tuple[dict[str, str], tuple[str, ...]]:
    words = common_rules().verdicts
    table = {squeeze(w).upper(): "pass" for w in words.pass_}
    table |= {squeeze(w).upper(): "fail" for w in words.fail}
    return table, tuple(squeeze(p) for p in words.fail_prefixes)


def parse_verdict(value: str) -> str | None:
    """'pass', 'fail', or None when the word is in neither list.

    Any value that starts with a fail prefix is a fail (`不合格：吡虫啉‖7.47mg/kg‖≤0.2mg/kg`).
    """
    table, fail_prefixes = _vocabulary()
    text = squeeze(value)
    found = table.get(text.upper())
    if found:
        return found
    if text.startswith(fail_prefixes):
        return "fail"
    return None


def failed_items_in_verdict(value: str) -> str | None:
    """The items a fail verdict carries after its prefix (`不合格：吡虫啉‖…` → `吡虫啉‖…`)."""
    _, fail_prefixes = _vocabulary()
    text = value.strip()
    for prefix in fail_prefixes:
        if squeeze(text).startswith(prefix):
            rest = text[text.find(prefix[-1]) + 1 :].lstrip(":：;； \t")
            return rest or None
    return None
