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
from ingestion.validation.runner import ValidationSummary


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
    page = Path(docs_dir(), "validations", *key.to_tuple()).with_suffix(".html")
    return str(page)


def build_docs() -> Path:
    """Rebuild the Data Docs site; returns its index page."""
    get_context().build_data_docs()
    return docs_dir() / "index.html"
