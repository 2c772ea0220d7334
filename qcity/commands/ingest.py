"""`qcity ingest` and `qcity validate`: every file is validated; ingest also loads it."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ingestion.contracts import source_names
from qcity.files import expand
from qcity.settings import build_dir, warehouse_path

if TYPE_CHECKING:  # the loader imports Great Expectations: only when a command runs
    from warehouse.load import Loader, LoadResult

_err = Console(stderr=True, soft_wrap=True)  # one line per message, whatever the width

PathsArg = Annotated[list[Path], typer.Argument(help="Export files or folders of them.")]
SourceOpt = Annotated[
    str | None, typer.Option(help="Source name; detected from the headers when omitted.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per file on stdout.")]


def _describe(result: LoadResult) -> str:
    if result.status in ("loaded", "valid"):
        verb = "loaded" if result.status == "loaded" else "valid"
        quarantined = (
            f", [yellow]{result.rows_quarantined} quarantined[/]" if result.rows_quarantined else ""
        )
        sheet = f"［{result.sheet}］" if result.sheet else ""
        skipped = f", {result.all_rows_skipped()} skipped" if result.all_rows_skipped() else ""
        return (
            f"[green]{verb}[/] {result.file}{sheet} → {result.source}: "
            f"{result.rows_loaded} rows{quarantined}{skipped}"
        )
    if result.status == "duplicate":
        return f"[blue]duplicate[/] {result.file}: already loaded, skipped"
    return f"[red]rejected[/] {result.error} / {result.error_en}"


def _files(paths: list[Path], source: str | None) -> list[Path]:
    if source and source not in source_names():
        _err.print(f"unknown source {source!r}; known sources: {', '.join(source_names())}")
        raise typer.Exit(2)
    files = expand(paths)
    missing = [p for p in files if not p.exists()]
    if missing:
        _err.print(f"no such file: {', '.join(str(p) for p in missing)}")
        raise typer.Exit(2)
    return files


def _run(
    loader: Loader, files: list[Path], source: str | None, as_json: bool, with_expectations: bool
) -> list[LoadResult]:
    results = []
    show_progress = not as_json and sys.stderr.isatty()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_err, disable=not show_progress) as progress:
        for path in files:
            task = progress.add_task(path.name, total=None)
            sheets = loader.ingest_sheets(
                path, source, on_rows=lambda n, t=task: progress.advance(t, n)
            )
            progress.remove_task(task)
            for result in sheets:
                results.append(result)
                _report(result, as_json, with_expectations)
    return results


def _report(result: LoadResult, as_json: bool, with_expectations: bool) -> None:
    if as_json:
        line = result.summary()
        if with_expectations:
            line["failed_expectations"] = result.failed_expectations()
        typer.echo(json.dumps(line, ensure_ascii=False, default=str))
        return
    _err.print(_describe(result), highlight=False)
    for note in result.notices_zh():
        _err.print(f"  [yellow]注意[/] {note}", highlight=False)
    if with_expectations:
        for failed in result.failed_expectations():
            _err.print(
                f"  ✗ {failed['expectation']} {failed['column'] or ''} "
                f"→ {failed['rule']} ({failed['unexpected_count'] or 0} rows)",
                highlight=False,
            )


def _outputs(con, results: list[LoadResult], attach_to_alerts: bool) -> None:
    """Correction workbooks for problem files (attached to their file alerts after a real
    load) and the rebuilt Data Docs."""
    from ingestion.validation.docs import build_docs
    from warehouse.correction_workbook import write_workbooks

    written = write_workbooks(con, results, build_dir() / "corrections", datetime.now())
    if attach_to_alerts:
        from alerts.outbox import attach_workbooks

        attach_workbooks(con, results, written)
    for path in written:
        _err.print(f"整改清单 / correction workbook: {path}", highlight=False)
    if any(r.validation for r in results):
        _err.print(f"Data Docs: {build_docs()}", highlight=False)


def ingest(
    paths: PathsArg,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait while another load holds the warehouse.")
    ] = 120.0,
) -> None:
    """Validate and load exports; every row is loaded or quarantined, or the file is rejected."""
    from warehouse.connection import BUSY_EXIT_CODE, WarehouseBusy, connect
    from warehouse.load import Loader

    files = _files(paths, source)
    try:
        con = connect(warehouse_path(), wait_seconds=wait)
    except WarehouseBusy as exc:
        _err.print(str(exc))
        raise typer.Exit(BUSY_EXIT_CODE) from None
    results = _run(Loader(con), files, source, as_json, with_expectations=False)
    _outputs(con, results, attach_to_alerts=True)
    con.close()
    raise typer.Exit(1 if any(r.status == "rejected" for r in results) else 0)


def validate(paths: PathsArg, source: SourceOpt = None, as_json: JsonOpt = False) -> None:
    """Validate exports without loading them (same rules as ingest), listing failed expectations."""
    import duckdb

    from warehouse.load import Loader
    from warehouse.schema import ensure_schema

    files = _files(paths, source)
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    results = _run(Loader(con, dry_run=True), files, source, as_json, with_expectations=True)
    _outputs(con, results, attach_to_alerts=False)
    raise typer.Exit(1 if any(r.status == "rejected" for r in results) else 0)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(validate)
