"""`qcity contracts sync [--check]`: every artifact derived from the source contracts."""

from __future__ import annotations

from typing import Annotated

import typer

contracts_app = typer.Typer(
    help="The source contracts, the one registry of each source.", no_args_is_help=True
)


@contracts_app.command()
def sync(
    check: Annotated[
        bool, typer.Option(help="Only list the generated files that differ; exit 1 if any.")
    ] = False,
) -> None:
    """Write the GX suites, dbt sources, base and staging models, seeds and masking macro
    that the contracts generate (qcity/contract_sync.py says which)."""
    from qcity.contract_sync import stale, sync

    if check:
        differ = stale()
        if differ:
            typer.echo(
                "out of date with the contracts (run `qcity contracts sync`):\n  "
                + "\n  ".join(differ),
                err=True,
            )
            raise typer.Exit(1)
        typer.echo("every generated file is up to date", err=True)
        return
    written = sync()
    typer.echo(
        "written: " + ("\n  " + "\n  ".join(written) if written else "none changed"), err=True
    )


def register(app: typer.Typer) -> None:
    app.add_typer(contracts_app, name="contracts")
