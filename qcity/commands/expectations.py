"""`qcity expectations sync`: regenerate the GX suites and context from the contracts."""

from __future__ import annotations

from typing import Annotated

import typer

expectations_app = typer.Typer(
    help="The Great Expectations suites, generated from the contracts.", no_args_is_help=True
)


@expectations_app.command()
def sync(
    check: Annotated[
        bool, typer.Option(help="Only report suites that differ; exit 1 if any.")
    ] = False,
) -> None:
    """Write each source's suite from its contract (expectations/gx/expectations/*.json)."""
    from ingestion.validation.context import sync_context, sync_suites

    if not check:
        sync_context()
    stale = sync_suites(check=check)
    if check and stale:
        typer.echo(
            f"out of date with their contracts: {', '.join(stale)}; run `qcity expectations sync`",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo("suites written: " + (", ".join(stale) if stale else "none changed"), err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(expectations_app, name="expectations")
