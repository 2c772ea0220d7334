"""A source no module knows gets sample exports from its contract alone, and they load.

The throw-away contract of tests/validation/test_contract_features.py (shop visits: lines
numbered within a visit, a relative deadline, a closing date required/forbidden by the
state, a numeric comparison, a child table) is put beside the real contracts; its generated
files go through the real loader, and every planted defect must come back quarantined under
the rule the manifest names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import pytest
import yaml

from ingestion.contracts import loader
from ingestion.contracts.schema import Contract
from ingestion.validation import runner
from ingestion.validation.suites import build_suite
from sample_data import generic
from sample_data.builder import AliasPicker
from tests.validation.test_contract_features import contract as shop_visits
from warehouse.load import Loader
from warehouse.schema import ensure_schema

CROSS_RULES = {"out_of_order", "required_when", "forbidden_when"}


@pytest.fixture
def registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Contract]:
    """The throw-away contract in a copy of the contracts folder, its suite built on the
    fly (a real source's is committed by `qcity contracts sync`)."""
    folder = tmp_path / "sources"
    folder.mkdir()
    for path in loader.SOURCES_DIR.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    made = shop_visits()
    data = made.model_dump(mode="json", by_alias=True, exclude_none=True)
    for child in data["child_tables"]:
        child.pop("key")  # filled from the parent when the contract loads
    (folder / f"{made.name}.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    monkeypatch.setattr(loader, "SOURCES_DIR", folder)
    monkeypatch.setattr(runner, "load_suite", lambda name: build_suite(loader.get_contract(name)))
    monkeypatch.setattr(runner, "batch_definition", _scratch_batch_definition)
    loader.source_names.cache_clear()
    loader.get_contract.cache_clear()
    yield loader.get_contract(made.name)
    loader.source_names.cache_clear()
    loader.get_contract.cache_clear()


def _scratch_batch_definition(source: str) -> Any:
    """A dataframe asset in a throw-away GX context (the committed one lists real sources)."""
    context = gx.get_context(mode="ephemeral")
    asset = context.data_sources.add_pandas("scratch").add_dataframe_asset(source)
    return asset.add_batch_definition_whole_dataframe("whole")


def test_a_new_contract_is_generic() -> None:
    assert not generic.is_generic("market_sampling")
    assert generic.is_generic("construction_inspections")


def test_a_throw_away_contract_gets_exports_that_load_as_planned(
    registered: Contract, tmp_path: Path
) -> None:
    assert generic.is_generic(registered.name)
    out = tmp_path / "exports"
    plan = generic.default_files(registered, rows=240, share=0.08)
    entries = [
        generic.write_generic_file(out, registered, spec, f"7:{spec.rel_path}", AliasPicker())
        for spec in plan.loaded
    ]
    planted = {rule for e in entries for rule in e.quarantine_rules}
    assert planted >= CROSS_RULES
    assert "shop_visits:numbering_absent" in set().union(*(e.variations for e in entries))

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    load = Loader(con)
    for entry in entries:
        result = load.ingest(out / entry.path, registered.name)
        assert result.status == "loaded", (entry.path, result.error)
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (
            entry.rows_read,
            entry.rows_loaded,
            entry.rows_quarantined,
        ), entry.path
        rules = con.execute(
            "select rule, count(*) from audit.quarantine where load_id = ? group by 1",
            [result.load_id],
        ).fetchall()
        assert Counter(dict(rules)) == entry.quarantine_rules, entry.path
    items = con.execute("select count(*) from raw.shop_visit_items").fetchone()
    assert items is not None and items[0] > 0
