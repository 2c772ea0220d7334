"""The serving copy: a read-only DuckDB file of the marts that BI tools and the report read.

DuckDB lets one process write a file, and a reader that keeps the warehouse open in another
process stops every load and build. So BI tools never open the warehouse: after each
successful build the `marts` schema is copied into a new file, which then replaces
`serving/qcity_serving.duckdb` with one `os.replace` (an atomic rename on POSIX).

Why one self-contained file swapped by rename, rather than Parquet folders and a catalog of
views over them:

- A reader that opened the previous file keeps reading it: the rename only changes what
  the *name* points to, and the old file lives on until its last reader closes it. Nothing
  has to be kept "for a while" and pruned later, and no reader can be left with views
  pointing at a pruned folder.
- A view catalog would store paths to Parquet files; DuckDB resolves relative paths from
  the reader's working directory, so the same catalog breaks inside a BI container.
- Every table of a version is in one file, so a reader sees one version whole, never a
  mix. The publisher never opens the served name for writing, so the writer and the
  readers never touch the same file and no lock is shared.

Tables and columns keep their comments (the dbt descriptions, persisted by dbt), so a BI
tool browsing the copy shows what each mart and column means.

Each version carries `serving.publication` (one row: sequence number, version, time,
source) and `serving.published_tables` (row count of every table), so a reader can check
what it reads. The file is written in the storage format of DuckDB 1.0
(`SERVING_STORAGE_VERSION`), which the DuckDB drivers of Superset and Metabase can read
even when they lag behind the warehouse's own DuckDB, and HUGEINT sums become BIGINT,
which every BI driver knows. Publications are serialised by a lock file beside the
served file.

`qcity.publish.refresh_all()` is what the warehouse DAG calls after a build: serving copy, scorecard
report, and PostgreSQL when `QCITY_PG_PUBLISH=1`.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from qcity.leftovers import remove_stale_temp
from warehouse.connection import WarehouseBusy
from warehouse.connection import connect as connect_warehouse

#: The schema copied from the warehouse, under the same name.
MARTS_SCHEMA = "marts"
#: Bookkeeping of a version inside the serving file.
META_SCHEMA = "serving"
SERVING_FILE_NAME = "qcity_serving.duckdb"
#: Readable by DuckDB 1.0 and later (the warehouse's own default, v2.0, is not).
SERVING_STORAGE_VERSION = "v1.1.0"
_LOCK_NAME = ".publish.lock"
_TMP_PREFIX = ".publishing-"


class ServingError(RuntimeError):
    """A serving copy that could not be published; the message is one sentence."""


def serving_dir() -> Path:
    """Where the serving file lives: `QCITY_SERVING_DIR`, else `serving/` beside the warehouse."""
    from qcity import settings

    return settings.serving_dir()


def serving_path(directory: Path | None = None) -> Path:
    return (directory or serving_dir()) / SERVING_FILE_NAME


@dataclass
class ServingPublication:
    """One published version of the serving file."""

    path: Path
    sequence: int
    version: str
    published_at: datetime
    tables: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        data["published_at"] = self.published_at.isoformat()
        return data


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_publication(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict | None:
    """The publication row of a serving file open on `con` (or attached as `catalog`)."""
    prefix = f"{_quote(catalog)}." if catalog else ""
    try:
        row = con.execute(
            f"select sequence, version, published_at, source_warehouse "
            f"from {prefix}{META_SCHEMA}.publication"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    return dict(zip(("sequence", "version", "published_at", "source_warehouse"), row, strict=True))


def open_serving(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current serving file (what a BI reader does)."""
    path = path or serving_path()
    if not path.exists():
        raise ServingError(f"no serving copy at {path} yet; run `qcity publish` after a build")
    return duckdb.connect(str(path), read_only=True)


@contextmanager
def _publish_lock(directory: Path, wait_seconds: float) -> Iterator[None]:
    """One publication at a time per serving folder (a DAG run and a hand-run CLI, say)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / _LOCK_NAME).open("a") as fh:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ServingError(
                        f"another publication of {directory} is running; try again when it ends"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _marts_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() "
        "where database_name = current_database() and schema_name = ? order by table_name",
        [MARTS_SCHEMA],
    ).fetchall()
    return [r[0] for r in rows]


def _select_list(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The table's columns, HUGEINT (DuckDB's type for sums of integers) cast to BIGINT."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "order by column_index",
        [MARTS_SCHEMA, table],
    ).fetchall()
    return ", ".join(
        f"cast({_quote(name)} as bigint) as {_quote(name)}"
        if dtype in ("HUGEINT", "UHUGEINT")
        else _quote(name)
        for name, dtype in columns
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(con: duckdb.DuckDBPyConnection, table: str, target: str) -> None:
    """The table's and its columns' comments (dbt's persisted descriptions) onto `target`.

    BI tools show them as the table's and the columns' descriptions; a copy without them
    would be a table of bare names.
    """
    row = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = ? and table_name = ?",
        [MARTS_SCHEMA, table],
    ).fetchone()
    if row and row[0]:
        con.execute(f"comment on table {target} is {_literal(row[0])}")
    columns = con.execute(
        "select column_name, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "and comment is not null and comment <> '' order by column_index",
        [MARTS_SCHEMA, table],
    ).fetchall()
    for name, comment in columns:
        con.execute(f"comment on column {target}.{_quote(name)} is {_literal(comment)}")


def _previous_sequence(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            publication = read_publication(con)
    except duckdb.Error:
        return 0
    return int(publication["sequence"]) if publication else 0


def _database_path(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return row[0] if row and row[0] else None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_leftovers(directory: Path) -> None:
    """Temporary files of a publication that crashed (we hold the lock: none is in use)."""
    for leftover in directory.glob(f"{_TMP_PREFIX}*"):
        leftover.unlink(missing_ok=True)


def _write_version(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    sequence: int,
    version: str,
    published_at: datetime,
    source: str,
) -> dict[str, int]:
    """Copy the marts of `con` into a new DuckDB file `target`; returns rows per table."""
    tables = _marts_tables(con)
    if not tables:
        raise ServingError(f"the warehouse {source} has no marts; run `qcity build` first")
    alias = f"qcity_serving_{os.getpid()}_{sequence}"
    literal = "'" + str(target).replace("'", "''") + "'"
    con.execute(
        f"attach {literal} as {_quote(alias)} (storage_version '{SERVING_STORAGE_VERSION}', read_only false)"
    )
    counts: dict[str, int] = {}
    try:
        new = _quote(alias)
        con.execute(f"create schema {new}.{MARTS_SCHEMA}")
        con.execute(f"create schema {new}.{META_SCHEMA}")
        for table in tables:
            target_table = f"{new}.{MARTS_SCHEMA}.{_quote(table)}"
            con.execute(
                f"create table {target_table} as "
                f"select {_select_list(con, table)} from {MARTS_SCHEMA}.{_quote(table)}"
            )
            _copy_comments(con, table, target_table)
            (counts[table],) = con.execute(
                f"select count(*) from {new}.{MARTS_SCHEMA}.{_quote(table)}"
            ).fetchone()
        con.execute(
            f"create table {new}.{META_SCHEMA}.publication as select "
            "cast(? as bigint) as sequence, cast(? as varchar) as version, "
            "cast(? as timestamp) as published_at, cast(? as varchar) as source_warehouse, "
            "cast(? as varchar) as duckdb_version",
            [sequence, version, published_at.replace(tzinfo=None), source, duckdb.__version__],
        )
        con.execute(
            f"create table {new}.{META_SCHEMA}.published_tables "
            "(schema_name varchar, table_name varchar, row_count bigint)"
        )
        con.executemany(
            f"insert into {new}.{META_SCHEMA}.published_tables values (?, ?, ?)",
            [[MARTS_SCHEMA, t, n] for t, n in counts.items()],
        )
    finally:
        # Detaching checkpoints: the file is complete and has no WAL beside it.
        con.execute(f"detach {_quote(alias)}")
    return counts


def publish_serving(
    warehouse: Path | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    directory: Path | None = None,
    wait_seconds: float = 60.0,
) -> ServingPublication:
    """Publish the warehouse's marts as the new serving version.

    Pass `con` when the caller already has the warehouse open (the DAG's publish task);
    otherwise the warehouse is opened read-only, waiting up to `wait_seconds` for a load
    or build that holds it.
    """
    from qcity.settings import warehouse_path

    started = time.perf_counter()
    warehouse = (warehouse or warehouse_path()).expanduser().resolve()
    directory = (directory or serving_dir()).expanduser().resolve()
    served = serving_path(directory)
    with _publish_lock(directory, wait_seconds):
        _remove_leftovers(directory)
        remove_stale_temp()  # qcity-* temp folders of killed runs (PostgreSQL staging too)
        sequence = _previous_sequence(served) + 1
        published_at = datetime.now(UTC)
        version = f"v{published_at:%Y%m%dT%H%M%S%fZ}-{sequence}"
        tmp = directory / f"{_TMP_PREFIX}{version}.duckdb"
        own = con is None
        if own:
            if not warehouse.exists():
                raise ServingError(f"no warehouse at {warehouse}; run `qcity build` first")
            try:
                con = connect_warehouse(warehouse, read_only=True, wait_seconds=wait_seconds)
            except WarehouseBusy as exc:
                raise ServingError(str(exc)) from None
        assert con is not None
        source = _database_path(con) or str(warehouse)
        try:
            counts = _write_version(con, tmp, sequence, version, published_at, source)
        except (duckdb.Error, ServingError) as exc:
            tmp.unlink(missing_ok=True)
            Path(f"{tmp}.wal").unlink(missing_ok=True)
            if isinstance(exc, ServingError):
                raise
            raise ServingError(f"copying the marts to {tmp} failed: {exc}") from exc
        finally:
            if own:
                con.close()
        _fsync(tmp)
        # Read-only for everyone: a BI tool must open it read-only (it is replaced, not edited).
        tmp.chmod(0o444)
        size = tmp.stat().st_size
        os.replace(tmp, served)
        _fsync(directory)
    return ServingPublication(
        path=served,
        sequence=sequence,
        version=version,
        published_at=published_at,
        tables=counts,
        bytes=size,
        seconds=time.perf_counter() - started,
    )
