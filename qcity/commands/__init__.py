"""Sub-commands of `qcity`; every module here defines `register(app: typer.Typer)`."""
