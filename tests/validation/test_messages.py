"""Plain Chinese for clerks: every sentence a department reads is whole Chinese, with the
contract's Chinese column names and the real figures; English goes to the English fields."""

from __future__ import annotations

import re

import pytest

from ingestion.contracts import messages
from ingestion.errors import FileRejected
from ingestion.problems import Problem
from ingestion.rule_labels import SEED_PATH, render
from sample_data import generate_exports
from tests.conftest import LOAD_DAY
from warehouse.connection import connect
from warehouse.load import Loader

#: Latin words a Chinese sentence may hold: format and encoding names, units.
_ALLOWED = {"CSV", "XLSX", "XLS", "UTF", "GBK", "GB18030", "MB", "HTML", "XML", "PDF", "Excel"}
_WORD = re.compile(r"[A-Za-z][A-Za-z_]{2,}")


def english_words(sentence: str, *known: str) -> list[str]:
    """Latin words of a sentence, once the file's own names and values are taken out."""
    for text in known:
        sentence = sentence.replace(text, "")
    return [w for w in _WORD.findall(sentence) if w.upper() not in _ALLOWED]


@pytest.mark.parametrize("rule", list(messages()["row"]))
def test_every_row_rule_renders_whole_chinese(rule: str) -> None:
    texts = messages()["row"][rule]
    assert texts["label"] and not english_words(texts["label"])
    reason = Problem("sampling_date", rule, "2025-13-45", "7").reason_zh("抽样日期")
    assert "{" not in reason and "（）" not in reason
    assert english_words(reason, "2025-13-45") == [], reason


@pytest.mark.parametrize("rule", list(messages()["file"]))
def test_every_file_rule_has_both_sentences(rule: str) -> None:
    error = FileRejected(rule, "20", "20")
    assert english_words(error.message_zh("x.csv"), "x.csv") == []
    assert "{" not in error.message_en("x.csv")


def test_the_quality_rules_seed_is_generated_from_the_catalogue() -> None:
    assert SEED_PATH.read_text(encoding="utf-8") == render(), "run qcity contracts sync"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory):
    """Every file of a generated export set (a rejected file per file rule among them)."""
    root = tmp_path_factory.mktemp("messages")
    exports = root / "exports"
    generate_exports(exports, rows=500, seed=3, defect_share=0.05)
    con = connect(root / "w.duckdb")
    loader = Loader(con, now=lambda: LOAD_DAY)
    results = [
        r
        for path in sorted(p for p in exports.rglob("*") if p.is_file())
        if path.name != "manifest.json"
        for r in loader.ingest_sheets(path)
    ]
    reasons = con.execute("select value, reason_zh from audit.quarantine").fetchall()
    con.close()
    return results, reasons


def test_every_rejection_a_clerk_reads_is_chinese(outcomes) -> None:
    results, _ = outcomes
    rejected = [r for r in results if r.status == "rejected"]
    assert len({r.reject_rule for r in rejected}) >= 8
    for result in rejected:
        assert english_words(result.error, result.file) == [], result.error
        assert result.error_en and result.error_en != result.error


def test_every_quarantine_reason_is_chinese(outcomes) -> None:
    _, reasons = outcomes
    assert len(reasons) > 20
    for value, reason in reasons:
        assert "（）" not in reason and "{" not in reason
        assert english_words(reason, value or "") == [], reason
