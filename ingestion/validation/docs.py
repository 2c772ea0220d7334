"""Keeping validation results in the GX store and rebuilding Data Docs from them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from pathlib import Path
from typing import Any

import jinja2
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render.view.view import DefaultJinjaView
from jinja2.bccache import Bucket

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


def _template_cache_dir() -> Path:
    """The user's cache folder (`$XDG_CACHE_HOME`, else `~/.cache`), as pip and uv use:
    not the temporary folder, which a load must leave as it found it."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(root) / "qcity" / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache in the user's cache folder, never failing a render: a
    cache that cannot be read or written is a cache miss."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError):  # unreadable or truncated
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _cache_compiled_templates() -> None:
    """GX compiles its Data Docs templates in every process that renders a page (~0.25 s
    of CPU for a one-row file's page and the index, more than rendering them); Jinja's
    bytecode cache keeps them compiled between processes, as `.pyc` files keep modules.
    A cached template is used only if its source is unchanged (Jinja checks a hash)."""
    try:
        cache = _TemplateCache(str(_template_cache_dir()))
    except (OSError, RuntimeError):  # no usable cache folder: compile every time
        return
    original = DefaultJinjaView.__init__

    def __init__(self: DefaultJinjaView, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.env.bytecode_cache = cache

    DefaultJinjaView.__init__ = __init__  # type: ignore[method-assign]


_cache_compiled_templates()  # this module is imported once (ingestion.pipeline.validation)


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
