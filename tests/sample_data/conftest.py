"""One generated landing folder shared by the generator's tests (it takes about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sample_data import Manifest, generate_exports

ROWS = 2000
SEED = 11


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("exports")
    return out, generate_exports(out, rows=ROWS, seed=SEED)
