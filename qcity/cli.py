"""The `qcity` command. Each sub-command lives in its own module under qcity/commands and
registers itself, so adding a command never touches this file."""

from __future__ import annotations

import importlib
import pkgutil

import typer

import qcity.commands

app = typer.Typer(
    name="qcity",
    help="Yichun quality-strong-city data platform: ingest, validate, build, report, alert.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main() -> None:
    """Yichun quality-strong-city data platform."""


for _module in sorted(pkgutil.iter_modules(qcity.commands.__path__), key=lambda m: m.name):
    importlib.import_module(f"qcity.commands.{_module.name}").register(app)


if __name__ == "__main__":
    app()
