"""`qcity generate` through typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from ingestion.contracts.loader import source_names
from qcity.commands.generate import register


def _app() -> typer.Typer:
    """A `qcity` with only this command, so other commands' imports cannot break the test."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """qcity"""

    register(app)
    return app


def test_generate_command_writes_exports_and_manifest(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    args = ["generate", "--out", str(out), "--rows", "600", "--seed", "2", "--defect-share", "0.05"]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert "manifest" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2 and manifest["rows"] == 600
    # every contract gets a landing folder of samples, with or without a module of its own
    assert {Path(f["path"]).parts[0] for f in manifest["files"]} == {*source_names(), "_unsorted"}


def test_generate_command_refuses_a_bad_share(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["generate", "--out", str(tmp_path), "--defect-share", "0.5"]
    )
    assert result.exit_code != 0


def test_qcity_registers_the_command() -> None:
    from qcity.cli import app

    result = CliRunner().invoke(app, ["generate", "--help"])
    assert result.exit_code == 0, result.output
    assert "--defect-share" in result.output
