"""Run the dbt project against the warehouse: what `qcity build` does.

dbt runs in a child process of this interpreter (`python -m dbt.cli.main`), so its global
state, logging and exit code stay its own, with the project and profiles in `dbt_project/`.
The DuckDB target reads the warehouse named by `QCITY_WAREHOUSE`. The PostgreSQL target
either builds in the warehouse database itself, when `QCITY_WAREHOUSE` names one, or first
receives a copy of the DuckDB warehouse's raw and audit tables (warehouse.postgres_copy).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import psycopg2
import yaml

from qcity import settings
from qcity.settings import DBT_PROJECT_DIR, warehouse_path, warehouse_url
from warehouse.connection import (
    POLL_SECONDS,
    TARGETS,
    WarehouseBusy,
    busy_message,
    busy_sentence,
    connect,
    is_lock_error,
)
from warehouse.postgres_copy import (
    PostgresCopyError,
    PostgresSettings,
    copy_schemas,
    first_line,
)

if TYPE_CHECKING:
    from warehouse.pg_load import PgConnection

#: Set for a build of what new loads touched (dbt_project/macros/build_state.sql).
NEW_LOADS_SELECTED = "QCITY_DBT_NEW_LOADS_SELECTED"
#: The advisory lock a build holds in a PostgreSQL warehouse: one build at a time.
BUILD_LOCK = "qcity.build"


class BuildError(RuntimeError):
    """A build that could not start or did not succeed; the message is one sentence."""


@dataclass
class BuildResult:
    target: str
    #: the DuckDB file, or the PostgreSQL warehouse's URL
    warehouse: Path | str
    seconds: float
    rows_copied: dict[str, int] = field(default_factory=dict)


def prepare_warehouse(warehouse: Path, wait_seconds: float = 0.0) -> None:
    """Create the raw and audit tables when missing, so a build on an empty warehouse works.

    Opening the file is also the check that no load holds it: dbt would otherwise die on
    DuckDB's lock with a traceback. Raises WarehouseBusy after `wait_seconds`.
    """
    try:
        connect(warehouse, wait_seconds=wait_seconds).close()
    except duckdb.Error as exc:
        raise BuildError(f"cannot open the warehouse {warehouse}: {first_line(exc)}") from exc


def dbt_environment(warehouse: Path | str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment dbt runs in: ours (`qcity.settings.dbt_environment`) and the warehouse."""
    env = settings.dbt_environment(os.environ)
    env["QCITY_WAREHOUSE"] = str(warehouse)
    if extra:
        env.update(extra)
    return env


def run_dbt(
    args: Sequence[str],
    warehouse: Path | str,
    target: str = "duckdb",
    env: dict[str, str] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command (`build`, `docs generate`, ...) with the project's profiles."""
    if target not in TARGETS:
        raise BuildError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    folder, warehouse = _where_dbt_runs(warehouse, target)
    command = [
        sys.executable,
        "-P",  # not the folder dbt runs in on sys.path: the default one holds our modules
        "-m",
        "dbt.cli.main",
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target",
        target,
    ]
    if capture:
        return subprocess.run(
            command,
            env=dbt_environment(warehouse, env),
            cwd=folder,
            text=True,
            capture_output=True,
            check=False,
        )
    return _run_streamed(command, dbt_environment(warehouse, env), folder)


def _where_dbt_runs(warehouse: Path | str, target: str) -> tuple[Path, Path | str]:
    """The folder dbt runs in, and the warehouse as its profile then names it.

    dbt throws its partial parse away (dbt_project.yml: `partial_parse`) whenever the
    profile's connection details change, and a DuckDB file's path is one of them: a build of
    a warehouse in another folder parsed the whole project again, ~10 s of CPU. dbt runs in
    the DuckDB file's folder and opens it by its name, so the parse holds for a warehouse
    moved elsewhere under the same name. dbt's target/ and logs/ stay in the project (their
    paths are the project's), which dbt is given by its absolute path.
    """
    if target != "duckdb":
        return DBT_PROJECT_DIR, warehouse
    path = Path(warehouse).resolve()
    return path.parent, Path(path.name)


_FIRST_NODE = re.compile(rb"\b1 of \d+ START\b")


def _run_streamed(
    command: list[str], env: dict[str, str], folder: Path
) -> subprocess.CompletedProcess[str]:
    """Run dbt with its output going to our stdout as it comes, except its preamble.

    dbt opens the warehouse before its first node: if a load took the file since
    prepare_warehouse looked, dbt dies there with DuckDB's lock traceback. The lines before
    the first node are therefore held back and, when dbt ends there, returned in `stdout`
    instead of shown, so the caller can say "busy" in one line. Written to file descriptor
    1 as before, when dbt inherited it.
    """
    held: list[bytes] | None = []
    with (
        open(1, "wb", closefd=False) as out,
        subprocess.Popen(command, env=env, cwd=folder, stdout=subprocess.PIPE) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            if held is not None and _FIRST_NODE.search(line):
                out.write(b"".join(held))
                held = None
            if held is None:
                out.write(line)
                out.flush()
            else:
                held.append(line)
        returncode = proc.wait()
        text = ""
        if held is not None:
            text = b"".join(held).decode("utf-8", "replace")
            if returncode == 0 or not is_lock_error(text):
                out.write(b"".join(held))
    return subprocess.CompletedProcess(command, returncode, stdout=text, stderr="")


def project_hash() -> str:
    """A hash of the dbt project's code (not its docs): a build of other code tests every row."""
    digest = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        relative = path.relative_to(DBT_PROJECT_DIR)
        if path.is_file() and relative.parts[0] not in _NOT_PROJECT_FILES and path.suffix != ".md":
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


#: What dbt writes into the project folder (targets, logs, installed packages).
_NOT_PROJECT_FILES = {"target", "logs", "dbt_packages", ".user.yml"}


@dataclass(frozen=True)
class NewLoadsBuild:
    """A build of what the loads since the last complete build touched (`new_loads_build`)."""

    select: list[str]
    #: The newest load the selection saw: the watermark moves up to it, not to a load that
    #: arrived while dbt started and whose models were not selected.
    newest_load_id: int
    #: Unit tests depend on the code alone, and ran in that last complete build.
    exclude: tuple[str, ...] = ("resource_type:unit_test",)

    @property
    def env(self) -> dict[str, str]:
        """An environment variable, not a var: changed vars make dbt parse the project anew."""
        return {NEW_LOADS_SELECTED: str(self.newest_load_id)}


def new_loads_build(warehouse: Path, project: str) -> NewLoadsBuild | None:
    """What loads since the last complete build touched, or None to build everything.

    The last complete build is the warehouse's `build_state.watermark` (dbt_project/macros/
    build_state.sql). None (build everything) when there is none, or the project's files
    changed since (`project` is their hash). Otherwise every model downstream of each source
    with a new load, and always of the ingestion audit and of the models judged as of the
    build day (tag `as_of_day`: days since the last delivery, findings past their deadline),
    which change with the calendar even when no file came. Used by `qcity build` and by the
    Airflow warehouse DAG's build (orchestration.cosmos_dbt).
    """
    # Read-write, as dbt opens it: DuckDB refuses a read-only connection in a process that
    # still holds the file read-write (the Airflow warehouse DAG under `dag.test`, whose
    # earlier build's dbt connection stays open in the same process).
    con = connect(warehouse)
    try:
        state = con.execute(
            "select max(built_load_id), max(project_hash) from build_state.watermark"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    else:
        if state is None or state[0] < 0 or state[1] != project:
            return None
        newest, sources = con.execute(
            "select coalesce(max(load_id), ?), list(distinct source order by source) "
            "filter (where source is not null) from audit.file_manifest where load_id > ?",
            [state[0], state[0]],
        ).fetchone()
    finally:
        con.close()
    sources = sources or []
    declared = dbt_source_tables()
    if any(source not in declared for source in sources):
        return None  # a load no dbt source names: build everything rather than skip it
    select = [f"source:*.{source}*+" for source in sources]
    return NewLoadsBuild([*select, "source:ingestion_audit+", "tag:as_of_day+"], newest)


def dbt_source_tables() -> set[str]:
    """The table names the dbt project's sources declare (`sources:` in its YAML files)."""
    tables = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("sources", []):
            tables.update(table["name"] for table in source.get("tables", []))
    return tables


def build(
    warehouse: Path | None = None,
    target: str | None = None,
    full_refresh: bool = False,
    full_scan: bool = False,
    select: Sequence[str] = (),
    dbt_vars: str | None = None,
    copy: bool = True,
    full_copy: bool = False,
    env: dict[str, str] | None = None,
    capture: bool = False,
    wait_seconds: float = 0.0,
) -> BuildResult:
    """`dbt build` (seeds, models, tests, unit tests) against one target.

    With no `warehouse` given and `QCITY_WAREHOUSE` naming a PostgreSQL database, dbt
    builds in that database (`build_in_postgres`). Otherwise the warehouse is the DuckDB
    file (default `QCITY_WAREHOUSE`) and the target `duckdb` unless told; for `postgres`,
    the raw and audit tables are first copied from the DuckDB file (only new loads, unless
    `full_copy`), unless `copy` is False. While another process holds the DuckDB file (a
    load), waits up to `wait_seconds`, then raises WarehouseBusy.

    Proportional to new data (dbt_project/README.md, "Incremental builds"): data tests look
    at the rows of loads not yet built, and on DuckDB, without `select`, only what is
    downstream of the sources with new loads is built. `full_scan` (the nightly build) and
    `full_refresh` test every row; so does any build after the project's files changed.
    """
    variables = build_vars(dbt_vars, full_scan)
    url = warehouse_url() if warehouse is None else None
    if url is not None:
        if target not in (None, "postgres"):
            raise BuildError(
                f"the warehouse is the PostgreSQL database {url}; dbt builds there "
                "(leave out --target, or give --target postgres)"
            )
        args = dbt_build_args(full_refresh, select, variables)
        return build_in_postgres(url, args, env=env, capture=capture, wait_seconds=wait_seconds)
    target = target or "duckdb"
    started = time.perf_counter()
    deadline = time.monotonic() + wait_seconds
    # Absolute: dbt runs in dbt_project/, and the profile reads the path from the environment.
    warehouse = (warehouse or warehouse_path()).expanduser().resolve()
    prepare_warehouse(warehouse, wait_seconds)
    rows_copied: dict[str, int] = {}
    if target == "postgres" and copy:
        settings = PostgresSettings.from_env({**os.environ, **(env or {})})
        try:
            rows_copied = copy_schemas(warehouse, settings, full=full_copy)
        except PostgresCopyError as exc:
            raise BuildError(str(exc)) from exc
    new_loads = None
    if not select and not full_refresh and not full_scan and target == "duckdb":
        new_loads = new_loads_build(warehouse, variables["project_hash"])
    if new_loads is not None:
        select, env = new_loads.select, {**(env or {}), **new_loads.env}
    args = dbt_build_args(full_refresh, select, variables)
    if new_loads is not None:
        args += ["--exclude", *new_loads.exclude]
    while True:
        completed = run_dbt(args, warehouse, target=target, env=env, capture=capture)
        output = (completed.stdout or "") + (completed.stderr or "")
        if completed.returncode == 0 or target != "duckdb" or not is_lock_error(output):
            break
        # A load took the file between our look and dbt's open: the same wait, the same line.
        if time.monotonic() >= deadline:
            raise WarehouseBusy(busy_message(warehouse, output, wait_seconds))
        time.sleep(POLL_SECONDS)
    _check(completed, target, capture)
    return BuildResult(target, warehouse, time.perf_counter() - started, rows_copied)


def build_vars(dbt_vars: str | None, full_scan: bool) -> dict[str, object]:
    """The `--vars` a build passes: the user's, the project's hash and the full-scan switch."""
    variables = yaml.safe_load(dbt_vars) if dbt_vars else {}
    if not isinstance(variables, dict):
        raise BuildError(f"--vars must be a YAML mapping, not {dbt_vars!r}")
    variables["project_hash"] = project_hash()
    if full_scan:
        variables["full_scan"] = True
    return variables


def dbt_build_args(
    full_refresh: bool, select: Sequence[str], variables: dict[str, object]
) -> list[str]:
    """`dbt build` with the options `qcity build` passes on."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    for selector in select:
        args += ["--select", selector]
    # YAML reads `as_of_date: 2025-06-30` as a date: dbt gets it back as the text it was.
    args += ["--vars", json.dumps(variables, default=str)]
    return args


def build_in_postgres(
    url: str,
    args: Sequence[str],
    env: dict[str, str] | None = None,
    capture: bool = False,
    wait_seconds: float = 0.0,
) -> BuildResult:
    """dbt-postgres in the warehouse database itself, where the loads write: nothing copied.

    Loads go on beside the build, which (PostgreSQL's read committed) sees committed loads
    only. Two builds never run at once: each holds a session advisory lock on `BUILD_LOCK`
    for its whole run (released by PostgreSQL if the process dies); a second waits up to
    `wait_seconds`, then raises WarehouseBusy naming the first one's pid. Opening the
    database also creates the raw and audit tables, so a build on an empty one works.
    """
    from warehouse.pg_load import connect as connect_postgres

    started = time.perf_counter()
    try:
        con = connect_postgres(url)
    except psycopg2.Error as exc:
        raise BuildError(f"cannot open the warehouse {url}: {first_line(exc)}") from exc
    try:
        with _build_lock(con, wait_seconds):
            # the warehouse's own database, whatever QCITY_PG_* say (those name a copy target)
            where = {**(env or {}), **PostgresSettings.of_connection(con.raw).dbt_environment()}
            completed = run_dbt(args, url, target="postgres", env=where, capture=capture)
    finally:
        con.close()
    _check(completed, "postgres", capture)
    return BuildResult("postgres", url, time.perf_counter() - started)


@contextlib.contextmanager
def _build_lock(con: PgConnection, wait_seconds: float) -> Iterator[None]:
    """`BUILD_LOCK` held while the block runs, waited for up to `wait_seconds`; then
    WarehouseBusy, with the same sentence as a busy DuckDB file, naming the holder."""
    deadline = time.monotonic() + wait_seconds
    while not con.try_advisory_lock(BUILD_LOCK):
        if time.monotonic() >= deadline:
            holder = con.lock_holder(BUILD_LOCK)
            raise WarehouseBusy(busy_sentence(con.where, holder, wait_seconds))
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        con.advisory_unlock(BUILD_LOCK)


def _check(completed: subprocess.CompletedProcess[str], target: str, capture: bool) -> None:
    """BuildError with dbt's own summary line (when its output was captured) on failure."""
    if completed.returncode != 0:
        detail = ""
        if capture:
            detail = ": " + _last_error(completed.stdout + completed.stderr)
        raise BuildError(f"dbt build on {target} failed (exit code {completed.returncode}){detail}")


def _last_error(output: str) -> str:
    """dbt's first summary line after "Completed with N errors", else its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "Completed with" in line:
            for following in lines[i + 1 :]:
                text = re.sub(r"\x1b\[[0-9;]*m", "", following)
                text = re.sub(r"^\d\d:\d\d:\d\d\s+", "", text).strip()
                if text:
                    return text
    return lines[-1] if lines else "no output"
