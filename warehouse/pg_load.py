"""PostgreSQL as the warehouse: the connection and the engine half of a load.

`warehouse.load.Loader` is written once; what differs between DuckDB and PostgreSQL in a
load is behind `warehouse.load.RowWriter` (transactions, bulk appends, the in-file key
check, the per-file lock), and this module is PostgreSQL's side of it. Everything else a
load touches (`warehouse.audit.insert_row`, the outbox, the manifest queries) talks to
`PgConnection`, which speaks DuckDB's connection API (`execute(sql, params)` with `?`
marks, `begin`/`commit`/`rollback`) over psycopg2, so the same SQL serves both engines.

Rows go in with COPY: each Arrow batch is written as CSV by Arrow (C++, no Python per
row) and streamed in; a file is still one transaction, so a loader killed part-way (or
PostgreSQL restarting) leaves nothing of it. Several processes load at once: a session
advisory lock on the file's hash makes the same bytes arriving twice load once (the
second waits, then finds them decided and records a duplicate).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.extras
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

_CSV = pacsv.WriteOptions(include_header=False)


class PgConnection:
    """A psycopg2 connection with DuckDB's connection API, as far as qcity uses it.

    Statements outside `begin()` commit on their own, as in DuckDB; `?` marks become
    psycopg2's. JSON columns come back as text, as DuckDB returns them, so readers parse
    them the same way whichever engine wrote them."""

    #: read by `warehouse.schema` (type spellings, the schema lock)
    dialect = "postgres"

    def __init__(self, raw: psycopg2.extensions.connection) -> None:
        raw.autocommit = True
        psycopg2.extras.register_default_json(raw, loads=lambda text: text)
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        cur = self.raw.cursor()
        if params is None:
            cur.execute(sql)
        else:
            cur.execute(_marks(sql), list(params))
        return cur

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cur = self.raw.cursor()
        cur.executemany(_marks(sql), [list(row) for row in rows])
        return cur

    def begin(self) -> None:
        self.raw.cursor().execute("begin")

    def commit(self) -> None:
        self.raw.cursor().execute("commit")

    def rollback(self) -> None:
        self.raw.cursor().execute("rollback")

    def close(self) -> None:
        self.raw.close()

    def writes(self) -> PostgresWrites:
        """The engine half of a load on this connection (`warehouse.load.Loader` asks)."""
        return PostgresWrites(self)

    def copy_arrow(self, table: str, data: pa.Table) -> None:
        """The Arrow table's rows appended with COPY (CSV written by Arrow: a null is an
        unquoted empty field, an empty string a quoted one, which COPY tells apart)."""
        if not data.num_rows:
            return
        buffer = io.BytesIO()
        pacsv.write_csv(data, buffer, _CSV)
        buffer.seek(0)
        columns = ", ".join(_ident(c) for c in data.column_names)
        self.raw.cursor().copy_expert(
            f"copy {table} ({columns}) from stdin with (format csv)", buffer
        )

    @contextlib.contextmanager
    def advisory_lock(self, name: str) -> Iterator[None]:
        """A session lock on `name` held while the block runs; released by PostgreSQL when
        the process dies, so a killed loader never leaves it held."""
        self.execute("select pg_advisory_lock(hashtextextended(?, 0))", [name])
        try:
            yield
        finally:
            with contextlib.suppress(psycopg2.Error):  # a lost connection released it
                self.execute("select pg_advisory_unlock(hashtextextended(?, 0))", [name])


def _marks(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _ident(name: str) -> str:
    return '"{}"'.format(name.replace('"', '""'))


def connect(url: str) -> PgConnection:
    """The warehouse database named by `url`, its raw and audit schema made or extended.

    The password comes from the environment (`PGPASSWORD`) or `~/.pgpass`, as libpq reads
    them; a URL in the repository never carries one."""
    from warehouse.schema import ensure_schema

    con = PgConnection(psycopg2.connect(url, connect_timeout=10))
    ensure_schema(con)
    return con


class PostgresWrites:
    """PostgreSQL's side of a load (see `warehouse.load.RowWriter`)."""

    errors: tuple[type[BaseException], ...] = (psycopg2.Error,)
    row_in_list = "_row_number = any(?)"

    def __init__(self, con: PgConnection) -> None:
        self.con = con

    def rollback_quietly(self, everything: bool = False) -> None:
        # PostgreSQL only warns when no transaction is open; a lost connection raises.
        with contextlib.suppress(psycopg2.Error):
            self.con.rollback()

    def file_lock(self, sha: str) -> contextlib.AbstractContextManager[None]:
        return self.con.advisory_lock(f"qcity.file:{sha}")

    def append_stream(
        self, table: str, tables: Iterable[pa.Table], lineage: Mapping[str, Any]
    ) -> None:
        """One COPY per batch, all in the file's transaction (PostgreSQL keeps nothing of
        an open transaction in memory, so there is no reason to join them)."""
        for data in tables:
            self.append(table, data, lineage)

    def append_parquet(self, table: str, path: Path, lineage: Mapping[str, Any]) -> None:
        for batch in pq.ParquetFile(path).iter_batches():
            self.append(table, pa.Table.from_batches([batch]), lineage)

    def append(self, table: str, data: pa.Table, lineage: Mapping[str, Any]) -> None:
        for name, value in lineage.items():
            data = data.append_column(name, pa.repeat(pa.scalar(value), data.num_rows))
        self.con.copy_arrow(table, data)

    def row_hash_sql(self, columns: str) -> str:
        return f"md5(row({columns})::text)"

    def row_json_sql(self, names: Sequence[str]) -> str:
        pairs = ", ".join(f"'{c}', {_ident(c)}" for c in names)
        return f"json_build_object({pairs})::text"
