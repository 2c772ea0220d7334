"""`qcity publish`: after a build, publish the marts where BI tools and people read them.

The serving copy (a read-only DuckDB file swapped in atomically), the scorecard dashboard,
and, with `--postgres` or `QCITY_PG_PUBLISH=1`, PostgreSQL's `marts` schema with its
read-only `bi_reader` role. The warehouse DAG does the same after every build
(`qcity.app.after_build`, which calls `qcity.publish.refresh_all`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from warehouse.publish_postgres import PostgresPublication


def register(app: typer.Typer) -> None:
    app.command(name="publish")(publish_command)


def publish_command(
    warehouse: Annotated[
        Path | None,
        typer.Option(
            help="DuckDB warehouse (default: $QCITY_WAREHOUSE, else warehouse/qcity.duckdb)."
        ),
    ] = None,
    serving_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the serving copy (default: $QCITY_SERVING_DIR, else serving/ beside the warehouse)."
        ),
    ] = None,
    postgres: Annotated[
        bool | None,
        typer.Option(
            "--postgres/--no-postgres",
            help="Also publish to PostgreSQL (default: when QCITY_PG_PUBLISH=1).",
        ),
    ] = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Regenerate the dashboard too.")
    ] = True,
    report_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the dashboard's index.html (default: build/report)."),
    ] = None,
    wait: Annotated[
        float,
        typer.Option(help="Seconds to wait for a load or build that holds the warehouse."),
    ] = 60.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was published as JSON.")
    ] = False,
) -> None:
    """Publish the marts: serving copy, dashboard, and PostgreSQL when asked.

    With a PostgreSQL warehouse (`QCITY_WAREHOUSE=postgresql://…`, no --warehouse) the
    serving copy is its marts schema, granted to the reader role, and the dashboard is
    read from it."""
    from qcity.publish import refresh_all
    from reports.dashboard import ReportError
    from warehouse.publish_postgres import PostgresPublishError
    from warehouse.serving import ServingError

    try:
        result = refresh_all(
            warehouse,
            directory=serving_dir,
            report_dir=report_dir,
            report=report,
            postgres=postgres,
            wait_seconds=wait,
        )
    except (ServingError, ReportError, PostgresPublishError) as exc:
        typer.echo(f"Error: {str(exc).rstrip('.')}.", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, default=str))
        return
    from warehouse.publish_postgres import PostgresPublication

    s = result.serving
    if isinstance(s, PostgresPublication):
        _echo_postgres(s, "served in place")
    else:
        typer.echo(
            f"Serving copy {s.version}: {len(s.tables)} tables, {sum(s.tables.values()):,} "
            f"rows, {s.bytes / 1_000_000:.1f} MB in {s.seconds:.1f} s → {s.path}"
        )
    if result.report is not None:
        r = result.report
        typer.echo(f"Dashboard: {r.path} ({r.bytes / 1_000_000:.1f} MB) in {r.seconds:.1f} s")
    if result.postgres is not None:
        _echo_postgres(result.postgres, "published")


def _echo_postgres(p: PostgresPublication, how: str) -> None:
    """One line on a PostgreSQL `marts` schema: where, how many tables, who may read it."""
    login = (
        "can log in" if p.reader_can_login else "NOLOGIN: set QCITY_BI_READER_PASSWORD to log in"
    )
    typer.echo(
        f"PostgreSQL {p.where}: {len(p.tables)} tables in schema {p.schema} {how}, "
        f"role {p.reader_role} ({login}) in {p.seconds:.1f} s"
    )
