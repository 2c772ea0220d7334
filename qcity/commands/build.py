"""`qcity build`: run dbt (seeds, models, tests, unit tests) against the warehouse."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from warehouse.connection import BUSY_EXIT_CODE, TARGETS, WarehouseBusy


def register(app: typer.Typer) -> None:
    app.command(name="build")(build_command)


def build_command(
    target: Annotated[
        str | None,
        typer.Option(
            help=f"Where to build: {' or '.join(TARGETS)} (default: the warehouse's engine; "
            "postgres with a DuckDB warehouse copies its raw and audit tables first)."
        ),
    ] = None,
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help="DuckDB warehouse file (default: $QCITY_WAREHOUSE, a file or a "
            "postgresql:// database, else warehouse/qcity.duckdb).",
        ),
    ] = None,
    full_refresh: Annotated[
        bool,
        typer.Option("--full-refresh", help="Rebuild incremental facts from all history."),
    ] = False,
    full_scan: Annotated[
        bool,
        typer.Option(
            "--full-scan",
            help="Test every row, not only the rows of new loads, and build every model "
            "(the nightly build).",
        ),
    ] = False,
    select: Annotated[
        list[str] | None,
        typer.Option("--select", "-s", help="dbt selector; repeat for several."),
    ] = None,
    copy: Annotated[
        bool,
        typer.Option(help="For PostgreSQL: copy raw and audit tables from DuckDB first."),
    ] = True,
    full_copy: Annotated[
        bool,
        typer.Option("--full-copy", help="For PostgreSQL: replace the copied tables whole."),
    ] = False,
    dbt_vars: Annotated[
        str | None,
        typer.Option("--vars", help="dbt vars as YAML, e.g. '{as_of_date: 2025-12-31}'."),
    ] = None,
    publish: Annotated[
        bool,
        typer.Option(
            help="After a build in the warehouse: scorecard CSV, serving copy, dashboard (and "
            "PostgreSQL when QCITY_PG_PUBLISH=1), weekly digest, as the warehouse DAG does."
        ),
    ] = True,
    wait: Annotated[
        float,
        typer.Option(help="Seconds to wait while another process (a load) holds the warehouse."),
    ] = 0.0,
) -> None:
    """Build the indicator marts with dbt on DuckDB (default) or PostgreSQL."""
    from warehouse.dbt_build import BuildError, build  # dbt, psycopg2: only for a build

    if target is not None and target not in TARGETS:
        typer.echo(
            f"Error: unknown target {target!r}; choose one of {', '.join(TARGETS)}.", err=True
        )
        raise typer.Exit(2)
    try:
        result = build(
            warehouse=warehouse,
            target=target,
            full_refresh=full_refresh,
            full_scan=full_scan,
            select=select or (),
            copy=copy,
            full_copy=full_copy,
            dbt_vars=dbt_vars,
            wait_seconds=wait,
        )
    except WarehouseBusy as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(BUSY_EXIT_CODE) from None
    except BuildError as exc:
        typer.echo(f"Error: {str(exc).rstrip('.')}.", err=True)
        raise typer.Exit(1) from None
    copied = sum(result.rows_copied.values())
    note = f", {copied} rows copied to PostgreSQL first" if result.rows_copied else ""
    typer.echo(f"Built on {result.target} in {result.seconds:.1f} s{note}.")
    in_warehouse = result.target == "duckdb" or not isinstance(result.warehouse, Path)
    if publish and in_warehouse and not select:
        _after_build(result.warehouse, wait)


def _after_build(warehouse: Path | str, wait: float) -> None:
    """What the warehouse DAG does after its build (`qcity.app.after_build`): scorecard
    CSV/JSON, serving copy (a PostgreSQL warehouse's marts schema, granted to the reader
    role), dashboard, PostgreSQL when enabled, the weekly digest."""
    from qcity.app import after_build
    from warehouse.connection import connect, open_warehouse

    try:
        con = (
            open_warehouse()
            if isinstance(warehouse, str)
            else connect(warehouse, wait_seconds=wait)
        )
    except WarehouseBusy as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(BUSY_EXIT_CODE) from None
    try:
        published = after_build(con, date.today())
    finally:
        con.close()
    for paths in published.written.values():
        typer.echo(f"Published: {', '.join(paths)}")
    typer.echo(f"Indicator digest: {published.digests_queued} new deliveries queued.")
