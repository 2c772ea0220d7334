"""Data Docs open on an offline intranet: nothing is fetched from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingestion.validation.context import docs_dir
from ingestion.validation.docs import build_docs
from ingestion.validation.offline_docs import ASSETS, VENDOR, outside_resources
from tests.browser import require_chromium, run_chromium
from tests.conftest import MARKET_HEADER, good_market_rows, market_row, write_csv

_LOCAL_REF = re.compile(r'<(?:script|link|img)\b[^>]*?\s(?:src|href)="([^"#:]+)"')


@pytest.fixture
def site(tmp_path: Path, loader) -> Path:
    """Data Docs of two loads, one of them with a quarantined row."""
    bad = [MARKET_HEADER, *good_market_rows(9), market_row("X1", county="火星")]
    loader.ingest(write_csv(tmp_path / "bad.csv", bad))
    loader.ingest(write_csv(tmp_path / "good.csv", [MARKET_HEADER, *good_market_rows(5)]))
    index = build_docs()
    assert index == docs_dir() / "index.html"
    return index.parent


def test_every_vendored_asset_exists() -> None:
    assert all((VENDOR / local).is_file() for local in ASSETS.values())


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 3  # the index and a page per load
    for page in pages:
        assert outside_resources(page) == [], page
        text = page.read_text(encoding="utf-8")
        assert "amazonaws.com" not in text  # GX's logos, one a tracking image
        assert "integrity=" not in text


def test_every_local_reference_resolves(site: Path) -> None:
    for page in site.rglob("*.html"):
        for ref in _LOCAL_REF.findall(page.read_text(encoding="utf-8")):
            assert (page.parent / ref.split("?")[0]).is_file(), (page, ref)


def test_index_lists_the_runs_in_a_browser_with_no_network(site: Path, tmp_path: Path) -> None:
    """bootstrap-table fills the index's list: offline with CDN assets it stayed empty."""
    done = run_chromium(require_chromium(), tmp_path, (site / "index.html").as_uri(), "--dump-dom")
    assert done.stdout.count('data-index="') >= 2, done.stdout[-3000:]
    assert "bootstrap-table" in done.stdout
