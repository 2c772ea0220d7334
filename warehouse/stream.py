"""Appending a file of any size inside one transaction with bounded memory.

DuckDB keeps what every statement of an open transaction appended in memory until the
commit: twelve INSERTs of 262,144 rows in one transaction grew RSS by ~0.6 GB per million
rows (10M rows: 6 GB), while one INSERT that scans an Arrow stream writes its row groups to
the database file as it goes and stays flat. So a file's good rows are fed, batch by batch,
to a single INSERT, and what the same batches produce on the side (child rows, quarantined
rows) is spilled to Parquet and inserted afterwards, once per table. The file is still one
transaction: all of its rows or none.

A stream is also a pipeline over the machine's cores: DuckDB converts and writes batch n
while the suite judges batch n+1 and `ingestion.readahead.ReadAhead` threads parse and read the batches after
it (DuckDB and most Arrow kernels release the GIL; Great Expectations does not).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from qcity.leftovers import TEMP_PREFIX, mark_in_use, remove_stale_temp

_STREAM_NAME = "_qcity_stream"


def insert_stream(
    con: duckdb.DuckDBPyConnection,
    table: str,
    tables: Iterable[pa.Table],
    extra_columns_sql: str,
    params: list[Any],
) -> None:
    """One `INSERT ... BY NAME` of every table `tables` yields, plus the extra columns.

    An exception raised while producing the tables (a rejected file, a reader that must
    restart) comes out of this call as itself, not as DuckDB's wrapping of it. A failed
    statement leaves DuckDB's transaction aborted, good for nothing but a rollback, so it
    is rolled back here: the caller finds no transaction open.
    """
    produced = iter(tables)
    first = next(produced, None)
    if first is None:
        return
    schema = first.schema
    failure: list[BaseException] = []

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for data in itertools.chain([first], produced):
                yield from (data if data.schema == schema else data.cast(schema)).to_batches()
        except BaseException as exc:  # handed to the caller below, whatever it is
            failure.append(exc)
            raise

    con.register(_STREAM_NAME, pa.RecordBatchReader.from_batches(schema, batches()))
    try:
        con.execute(
            f"insert into {table} by name select *, {extra_columns_sql} from {_STREAM_NAME}",
            params,
        )
    except duckdb.Error:
        with contextlib.suppress(duckdb.TransactionException):  # none was open
            con.rollback()
        if failure:
            raise failure[0] from None
        raise
    finally:
        con.unregister(_STREAM_NAME)


class SpilledTables:
    """Tables built up batch by batch in Parquet files of a private temporary folder."""

    def __init__(self) -> None:
        # A killed load never reached close(): its folder goes now, as we make ours.
        remove_stale_temp()
        self.folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}load-"))
        self._in_use = mark_in_use(self.folder)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._schemas: dict[str, pa.Schema] = {}

    def append(self, name: str, data: pa.Table) -> None:
        if not data.num_rows:
            return
        if name not in self._writers:
            self._schemas[name] = data.schema
            self._writers[name] = pq.ParquetWriter(self.path(name), data.schema)
        elif data.schema != self._schemas[name]:
            data = data.cast(self._schemas[name])
        self._writers[name].write_table(data)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"

    def finish(self) -> list[str]:
        """Close every file; the names of the tables that received rows."""
        for writer in self._writers.values():
            writer.close()
        names, self._writers = list(self._writers), {}
        return names

    def head(self, name: str, limit: int) -> list[dict[str, Any]]:
        """The first `limit` rows written to `name`, as dicts."""
        self.finish()
        if not self.path(name).exists():
            return []
        rows: list[dict[str, Any]] = []
        for batch in pq.ParquetFile(self.path(name)).iter_batches():
            rows.extend(batch.slice(0, limit - len(rows)).to_pylist())
            if len(rows) >= limit:
                break
        return rows

    def close(self) -> None:
        """Close the files and remove the folder."""
        self.finish()
        self._in_use.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> SpilledTables:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
