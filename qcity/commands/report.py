"""`qcity report`: write the scorecard dashboard, one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command(name="report")(report_command)


def report_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for index.html (default: build/report, under $QCITY_BUILD_DIR).",
        ),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            help="DuckDB file to read (default: the serving copy, else the warehouse read-only).",
        ),
    ] = None,
) -> None:
    """Write the scorecard dashboard (Chinese, English subtitles) as DIR/index.html."""
    from reports.dashboard import ReportError, write_dashboard

    try:
        result = write_dashboard(out, source=source)
    except ReportError as exc:
        typer.echo(f"Error: {str(exc).rstrip('.')}.", err=True)
        raise typer.Exit(1) from None
    size = result.bytes / 1_000_000
    typer.echo(
        f"质量强市看板 / scorecard dashboard: {result.path} ({size:.1f} MB, from {result.source})"
    )
