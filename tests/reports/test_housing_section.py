"""The dashboard's section 住建领域质量监测, on the hand-checked housing warehouse.

The warehouse is tests/dbt/housing.py built as of 2025-06-30 (its measures are checked by
hand in tests/dbt/test_housing_measures.py); here the page must show the marts' values
unchanged, list what is overdue and who fails most, and work from the file alone.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from reports.dashboard import write_dashboard
from tests.browser import require_chromium, run_chromium
from tests.dbt.housing import build_housing_warehouse
from tests.shared import built_once

CITY = "360900"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(tmp_path_factory, "dbt-housing", build_housing_warehouse) / "qcity.duckdb"


@pytest.fixture(scope="module")
def page(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dashboard(tmp_path_factory.mktemp("housing-report"), source=warehouse).path


def section(html: str) -> str:
    start = html.index('<section id="housing">')
    return html[start : html.index("</section>", start)]


def test_the_city_cards_show_the_marts_values_exactly(page: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = dict(
            con.execute(
                "select indicator_code, value from marts.mart_monitoring_measures "
                "where county_code = ? and period = '2025'",
                [CITY],
            ).fetchall()
        )
    cards = re.findall(
        r'<div class="card[^"]*" data-indicator="([A-Z_]+)" data-value="([^"]*)"',
        section(page.read_text(encoding="utf-8")),
    )
    assert {code: float(value) for code, value in cards} == expected
    assert len(expected) == 5


def test_overdue_projects_contractors_and_failing_producers_are_listed(page: Path) -> None:
    text = re.sub(r"<[^>]+>", "|", section(page.read_text(encoding="utf-8")))
    text = re.sub(r"\s*\|[|\s]*", "|", text)  # one | between the texts of cells
    assert "|袁州区|工程PB|1|0|29|丰城市|工程PD|1|1|5|" in text
    assert "|甲建设集团有限公司|3|6|75%|0|" in text and "|未填写施工单位|1|1|0%|1|" in text
    assert "|1|某电缆厂|电线电缆|3|2|2|江西某水泥有限公司|水泥|2|1|" in text
    assert "|外墙保温材料|1|0|0%|" in text  # worst material first
    assert "http://" not in text and "https://" not in text


def test_a_warehouse_without_housing_marts_says_there_is_no_data_yet(
    warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "old.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("drop table marts.mart_monitoring_measures")
    html = write_dashboard(tmp_path / "report", source=copy).path.read_text(encoding="utf-8")
    assert "暂无工程质量安全监督检查和建材抽检数据" in section(html)


def test_the_section_renders_in_a_browser_from_the_file_alone(page: Path, tmp_path: Path) -> None:
    chromium = require_chromium()
    dom = run_chromium(chromium, tmp_path, page.as_uri(), "--dump-dom").stdout
    shown = section(dom)
    assert "住建领域质量监测" in shown
    assert len(re.findall(r'data-indicator="MON_[A-Z_]+" data-value=', shown)) == 5 + 2 * 5
