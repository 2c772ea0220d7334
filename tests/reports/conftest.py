"""Fixtures of the report tests: the shared built warehouse, its serving copy, the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.dashboard import write_dashboard
from tests.serving.built import built_warehouse
from warehouse.serving import publish_serving


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_warehouse(tmp_path_factory)


@pytest.fixture(scope="session")
def serving_file(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_serving(built, directory=tmp_path_factory.mktemp("report-serving")).path


@pytest.fixture(scope="session")
def dashboard_file(serving_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dashboard(tmp_path_factory.mktemp("report"), source=serving_file).path
