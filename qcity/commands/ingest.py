"""`qcity ingest`: load export files into the warehouse."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ingestion.contracts import source_names
from qcity.files import expand
from qcity.settings import warehouse_path
from warehouse.connection import WarehouseBusy, connect
from warehouse.load import Loader, LoadResult

_err = Console(stderr=True)


def _describe(result: LoadResult) -> str:
    if result.status == "loaded":
        return f"[green]loaded[/] {result.file} → {result.source}: {result.rows_loaded} rows" + (
            f", [yellow]{result.rows_quarantined} quarantined[/]" if result.rows_quarantined else ""
        )
    if result.status == "duplicate":
        return f"[blue]duplicate[/] {result.file}: already loaded, skipped"
    return f"[red]rejected[/] {result.error} / {result.error_en}"


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Export files or folders of them.")],
    source: Annotated[
        str | None, typer.Option(help="Source name; detected from headers when omitted.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per file on stdout.")
    ] = False,
) -> None:
    """Validate and load exports; every row is loaded or quarantined, or the file is rejected."""
    if source and source not in source_names():
        _err.print(f"unknown source {source!r}; known sources: {', '.join(source_names())}")
        raise typer.Exit(2)
    files = expand(paths)
    missing = [p for p in files if not p.exists()]
    if missing:
        _err.print(f"no such file: {', '.join(str(p) for p in missing)}")
        raise typer.Exit(2)
    try:
        con = connect(warehouse_path())
    except WarehouseBusy as exc:
        _err.print(str(exc))
        raise typer.Exit(3) from None
    loader = Loader(con)
    show_progress = not as_json and sys.stderr.isatty()
    any_rejected = False
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=_err,
        disable=not show_progress,
    ) as progress:
        for path in files:
            task = progress.add_task(path.name, total=None)
            result = loader.ingest(path, source, on_rows=lambda n, t=task: progress.advance(t, n))
            progress.remove_task(task)
            any_rejected |= result.status == "rejected"
            if as_json:
                typer.echo(json.dumps(result.summary(), ensure_ascii=False))
            else:
                _err.print(_describe(result), highlight=False)
    con.close()
    raise typer.Exit(1 if any_rejected else 0)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
