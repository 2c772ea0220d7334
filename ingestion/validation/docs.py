"""Keeping validation results in the GX store and rebuilding Data Docs from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from ingestion.validation.context import docs_dir, get_context
from ingestion.validation.offline_docs import localise
from ingestion.validation.runner import ValidationSummary

#: results stored by this process and not yet rendered
_PENDING: list[ValidationResultIdentifier] = []


def store_result(summary: ValidationSummary, file_sha256: str) -> str:
    """Store the file's combined result; return the Data Docs page it will have."""
    if summary.result is None:
        return ""
    context = get_context()
    suite_id = ExpectationSuiteIdentifier(name=summary.source)
    run_id = RunIdentifier(run_name=summary.run_id, run_time=summary.started_at.astimezone(dt.UTC))
    key = ValidationResultIdentifier(
        expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=file_sha256[:16]
    )
    summary.result.meta["active_batch_definition"] = {"file_sha256": file_sha256}
    context.validation_results_store.set(key, summary.result)
    _PENDING.append(key)
    return str(_page(key))


def _page(key: ValidationResultIdentifier) -> Path:
    return Path(docs_dir(), "validations", *key.to_tuple()).with_suffix(".html")


def build_docs() -> Path:
    """Render the pages of this run's results and the site index; returns the index page.

    Only new results are rendered (a full rebuild re-renders every stored result, which grows
    with every file ever loaded). Rendered pages are made to work offline (offline_docs)."""
    context = get_context()
    site = docs_dir()
    if _PENDING:
        context.build_data_docs(resource_identifiers=list(_PENDING))
        localise(site, [_page(key) for key in _PENDING])
        _PENDING.clear()
    elif not (site / "index.html").exists():
        context.build_data_docs()
        localise(site, site.rglob("*.html"))
    return site / "index.html"
