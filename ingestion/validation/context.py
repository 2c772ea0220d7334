"""The file-backed GX Data Context in `expectations/gx`, with Data Docs under the build folder."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import great_expectations as gx
from great_expectations.data_context import FileDataContext
from great_expectations.data_context.types.base import ProgressBarsConfig

from ingestion.contracts import all_contracts
from ingestion.validation.suites import suite_text

EXPECTATIONS_ROOT = Path(__file__).resolve().parents[2] / "expectations"
SUITES_DIR = EXPECTATIONS_ROOT / "gx" / "expectations"
DATASOURCE = "qcity_files"
DOCS_SITE = "qcity_site"
BATCH_DEFINITION = "whole_file"


#: Where Data Docs and stored results go is decided per run (env), never written in the config.
_DOCS_VAR = "QCITY_DATA_DOCS_DIR"
_RESULTS_VAR = "QCITY_GX_RESULTS_DIR"
_SITE = {
    "class_name": "SiteBuilder",
    "store_backend": {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": "${" + _DOCS_VAR + "}",
    },
    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
}


def docs_dir() -> Path:
    from qcity.settings import build_dir

    return build_dir() / "data_docs"


def get_context() -> FileDataContext:
    """The committed context, its Data Docs and results pointed at this run's build folder."""
    from qcity.settings import build_dir

    return _context_for(str(build_dir()))


@cache
def _context_for(build: str) -> FileDataContext:
    os.environ[_DOCS_VAR] = str(Path(build) / "data_docs")
    os.environ[_RESULTS_VAR] = str(Path(build) / "gx_results")
    return gx.get_context(mode="file", project_root_dir=str(EXPECTATIONS_ROOT))


def batch_definition(source: str):
    """The whole-dataframe batch definition of a source, as committed by `sync_context`."""
    asset = get_context().data_sources.get(DATASOURCE).get_asset(source)
    return asset.get_batch_definition(BATCH_DEFINITION)


def sync_context() -> None:
    """Write the context's configuration: analytics off, no progress bars, the Data Docs
    site, and one dataframe asset per source. Run by `qcity contracts sync` only (when a
    source has no asset yet), so that loads never write to the committed configuration
    (workers run concurrently)."""
    context = get_context()
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.data_docs_sites = {DOCS_SITE: _SITE}
    context.variables.save()
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(DATASOURCE)
    for contract in all_contracts():
        try:
            asset = datasource.get_asset(contract.name)
        except LookupError:
            asset = datasource.add_dataframe_asset(name=contract.name)
        try:
            asset.get_batch_definition(BATCH_DEFINITION)
        except KeyError:
            asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
    _set_results_dir()


def _set_results_dir() -> None:
    """Validation results are run output: they go to the build folder, not the repository."""
    config = EXPECTATIONS_ROOT / "gx" / "great_expectations.yml"
    text = config.read_text(encoding="utf-8")
    text = text.replace(
        "base_directory: uncommitted/validations/", "base_directory: ${" + _RESULTS_VAR + "}"
    )
    text = text.replace("analytics_enabled:\n", "analytics_enabled: false\n")
    config.write_text(text, encoding="utf-8")


def sync_suites(check: bool = False) -> list[str]:
    """Write every contract's suite as JSON; with `check`, only report which differ.
    (`qcity contracts sync` writes the same files with every other derived artifact.)"""
    SUITES_DIR.mkdir(parents=True, exist_ok=True)
    stale: list[str] = []
    for contract in all_contracts():
        path = SUITES_DIR / f"{contract.name}.json"
        wanted = suite_text(contract)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != wanted:
            stale.append(contract.name)
            if not check:
                path.write_text(wanted, encoding="utf-8")
    return stale


def load_suite(source: str) -> gx.ExpectationSuite:
    """The committed suite (what runs is what is reviewed in git)."""
    data = json.loads((SUITES_DIR / f"{source}.json").read_text(encoding="utf-8"))
    return gx.ExpectationSuite(**data)
