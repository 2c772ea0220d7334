"""`qcity ingest` and `qcity validate`: every file is validated; ingest also loads it."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from ingestion.contracts import source_names
from qcity.files import expand

if TYPE_CHECKING:  # the loader imports Great Expectations: only when a command runs
    from ingestion.pipeline import LoadResult
    from warehouse.load import Loader

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
        sheet = f"［{result.sheet_label}］" if result.sheet_label else ""
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
    loader: Loader,
    files: list[Path],
    source: str | None,
    as_json: bool,
    with_expectations: bool,
    results: list[LoadResult],
) -> list[LoadResult]:
    """Each file in turn, its result appended to `results` as soon as it is known (a fault
    stops the run; the results before it are still reported)."""
    show_progress = not as_json and sys.stderr.isatty()
    with _progress(show_progress) as progress:
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


class _NoProgress:
    """What `_run` uses of rich's Progress, doing nothing (no terminal, or --json)."""

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: int, advance: float = 1) -> None:
        pass

    def remove_task(self, task: int) -> None:
        pass


@contextlib.contextmanager
def _progress(show: bool) -> Iterator[Any]:
    """A progress bar per file on a terminal (rich.progress imported only then)."""
    if not show:
        yield _NoProgress()
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_err) as progress:
        yield progress


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
    """What follows every load (`qcity.app.after_load`), reported on stderr."""
    from qcity.app import after_load

    written = after_load(con, results, datetime.now(), attach_to_alerts=attach_to_alerts)
    for path in written.workbooks:
        _err.print(f"整改清单 / correction workbook: {path}", highlight=False)
    if written.data_docs:
        _err.print(f"Data Docs: {written.data_docs}", highlight=False)


#: Exit codes: 0 every file loaded (or a duplicate), 1 a file was rejected for its content,
#: 2 a usage error, 3 the warehouse stayed busy, 4 the machine failed (disk, memory,
#: permission, a bug): nothing of the failing file was recorded and the run stopped there.
EXIT_FAULT = 4


def _fault_exit(exc: Exception, files: list[Path], results: list[LoadResult]) -> typer.Exit:
    """One sentence on stderr naming the machine's problem (never a traceback); the files
    before the failing one keep their results, the failing one and those after it wait for
    the next run."""
    from ingestion.errors import as_fault

    done = {r.file for r in results}  # a workbook gives a result per sheet: match by name
    failing = next((p for p in files if p.name not in done), None)
    name = failing.name if failing else ", ".join(p.name for p in files)[:200]
    _err.print(as_fault(exc).sentence(name), highlight=False, markup=False)
    return typer.Exit(EXIT_FAULT)


def ingest(
    paths: PathsArg,
    source: SourceOpt = None,
    as_json: JsonOpt = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait while another load holds the warehouse.")
    ] = 120.0,
) -> None:
    """Validate and load exports; every row is loaded or quarantined, or the file is rejected."""
    from warehouse.connection import BUSY_EXIT_CODE, WarehouseBusy, open_warehouse
    from warehouse.load import Loader

    files = _files(paths, source)
    try:
        con = open_warehouse(wait_seconds=wait)
    except WarehouseBusy as exc:
        _err.print(str(exc))
        raise typer.Exit(BUSY_EXIT_CODE) from None
    except Exception as exc:  # the warehouse cannot even be opened: the machine's fault
        raise _fault_exit(exc, files, []) from None
    results: list[LoadResult] = []
    try:
        _run(Loader(con), files, source, as_json, with_expectations=False, results=results)
        _outputs(con, results, attach_to_alerts=True)
    except Exception as exc:  # LoadFault, or the outputs failing: nothing blamed on a file
        raise _fault_exit(exc, files, results) from None
    finally:
        with contextlib.suppress(Exception):  # after a fatal DuckDB error, closing may fail too
            con.close()
    raise typer.Exit(1 if any(r.status == "rejected" for r in results) else 0)


def validate(paths: PathsArg, source: SourceOpt = None, as_json: JsonOpt = False) -> None:
    """Validate exports without loading them (same rules as ingest), listing failed expectations."""
    import duckdb

    from warehouse.load import Loader
    from warehouse.schema import ensure_schema

    files = _files(paths, source)
    results: list[LoadResult] = []
    try:
        con = duckdb.connect(":memory:")
        ensure_schema(con)
        loader = Loader(con, dry_run=True)
        _run(loader, files, source, as_json, with_expectations=True, results=results)
        _outputs(con, results, attach_to_alerts=False)
    except Exception as exc:
        raise _fault_exit(exc, files, results) from None
    raise typer.Exit(1 if any(r.status == "rejected" for r in results) else 0)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(validate)
