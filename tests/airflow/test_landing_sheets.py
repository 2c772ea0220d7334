"""A workbook of several sheets through the landing flow, and a load the machine broke off
part-way through its sheets: every sheet loads once, none is lost."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest
import xlsxwriter

from ingestion import engine
from ingestion.errors import LoadFault
from orchestration.folders import Folders
from orchestration.ingest import ingest_listed, load_results, run_outcomes
from orchestration.landing import list_ready
from tests.conftest import LOAD_DAY, MARKET_HEADER, good_market_rows
from tests.warehouse.test_load_other_sources import AGRI_HEADER, agri_row
from warehouse.consistency import inconsistencies
from warehouse.load import Loader

FOLDER = "market_sampling"


def _workbook(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    market = book.add_worksheet("抽检")
    market.write_row(0, 0, MARKET_HEADER)
    for i, row in enumerate(good_market_rows(10)):
        market.write_row(1 + i, 0, row)
    agri = book.add_worksheet("农残")
    agri.write_row(0, 0, AGRI_HEADER)
    for i in range(12):
        agri.write_row(1 + i, 0, agri_row(f"N{i:03d}"))
    book.close()
    moment = time.time() - 300
    os.utime(path, (moment, moment))
    return path


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")


def test_every_sheet_of_a_landing_workbook_loads_and_the_file_is_archived(con, folders) -> None:
    path = _workbook(folders.landing_dir(FOLDER) / "抽检与农残.xlsx")
    outcome = ingest_listed(con, folders, "run-1", list_ready(folders, FOLDER, settle=5).ready, 0)
    assert (outcome.status, outcome.rows_read, outcome.rows_loaded) == ("loaded", 22, 22)
    assert not path.exists() and "archive" in outcome.moved_to
    manifest = con.execute(
        "select sheet, source, status, file_path from audit.file_manifest order by load_id"
    ).fetchall()
    assert [m[:3] for m in manifest] == [
        ("抽检", "market_sampling", "loaded"),
        ("农残", "agri_testing", "loaded"),
    ]
    assert {m[3] for m in manifest} == {outcome.moved_to}
    results = load_results(run_outcomes(con, "run-1", FOLDER))
    assert [(r.sheet, r.sheet_label, r.rows_loaded) for r in results] == [
        ("抽检", "抽检", 10),
        ("农残", "农残", 12),
    ]
    assert inconsistencies(con) == []


def test_a_fault_in_the_second_sheet_keeps_the_first_and_a_rerun_loads_the_second(
    con, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _workbook(tmp_path / "抽检与农残.xlsx")
    real_build = engine.FilePlan.build

    def disk_full_on_agri(contract, *args, **kwargs):
        if contract.name == "agri_testing":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_build(contract, *args, **kwargs)

    monkeypatch.setattr(engine.FilePlan, "build", staticmethod(disk_full_on_agri))
    with pytest.raises(LoadFault):
        Loader(con, now=lambda: LOAD_DAY).ingest_sheets(path)
    assert con.execute("select sheet, status from audit.file_manifest").fetchall() == [
        ("抽检", "loaded")
    ]
    monkeypatch.setattr(engine.FilePlan, "build", real_build)

    again = Loader(con, now=lambda: LOAD_DAY).ingest_sheets(path)

    assert [(r.sheet, r.status, r.rows_loaded) for r in again] == [("农残", "loaded", 12)]
    third = Loader(con, now=lambda: LOAD_DAY).ingest_sheets(path)
    assert [r.status for r in third] == ["duplicate"]
    assert con.execute("select count(*) from raw.market_sampling").fetchone()[0] == 10
    assert inconsistencies(con) == []
