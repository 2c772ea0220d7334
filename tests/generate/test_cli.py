"""`qcity generate` through typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qcity.cli import app


def test_generate_command_writes_exports_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    result = CliRunner().invoke(
        app,
        ["generate", "--out", str(out), "--rows", "600", "--seed", "2", "--defect-share", "0.05"],
    )
    assert result.exit_code == 0, result.output
    assert "manifest" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2 and manifest["rows"] == 600
    assert {Path(f["path"]).parts[0] for f in manifest["files"]} == {
        "market_sampling",
        "agri_testing",
        "construction_acceptance",
        "indicator_reports",
        "_unsorted",
    }


def test_generate_command_refuses_a_bad_share(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path), "--defect-share", "0.5"])
    assert result.exit_code != 0
