"""Copy the DuckDB warehouse's raw and audit tables to PostgreSQL, so dbt builds there too.

DuckDB's postgres extension would do this in one statement, but it is downloaded at run time
and this machine has no internet. So DuckDB writes each table to a CSV file and psycopg2
streams it in with COPY. Tables are created with the DuckDB column types translated to
PostgreSQL's; identifiers are always quoted.

Raw tables are append-only history, so a copy only moves the rows whose `_load_id` is newer
than the newest one already in PostgreSQL, and refills the table whenever PostgreSQL's
older rows do not match DuckDB's (a different warehouse file, a rewritten history). Audit
tables are small and their rows get updated, so they are refilled. A table whose columns
changed is created afresh.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from qcity.settings import pg_dbname, pg_host, pg_password, pg_port, pg_user

#: Schemas copied by default: everything dbt reads through source().
DEFAULT_SCHEMAS: tuple[str, ...] = ("raw", "audit")

#: Column whose increase marks new rows in an append-only table.
LOAD_ID_COLUMN = "_load_id"

_SIMPLE_TYPES: dict[str, str] = {
    "VARCHAR": "varchar",
    "DATE": "date",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38, 0)",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "TIME": "time",
    "INTERVAL": "interval",
    "JSON": "json",
    "UUID": "uuid",
}


class PostgresCopyError(RuntimeError):
    """A copy that cannot go ahead; the message is one sentence for the user."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (drivers append hints and context lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True)
class PostgresSettings:
    """Where the PostgreSQL warehouse is; the same environment variables as dbt's profile."""

    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = ""
    dbname: str = "qcity"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PostgresSettings:
        return cls(
            host=pg_host(environ),
            port=pg_port(environ),
            user=pg_user(environ),
            password=pg_password(environ),
            dbname=pg_dbname(environ),
        )

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def connect(self, dbname: str | None = None) -> psycopg2.extensions.connection:
        try:
            return psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=dbname or self.dbname,
                connect_timeout=5,
            )
        except psycopg2.OperationalError as exc:
            raise PostgresCopyError(
                f"cannot connect to PostgreSQL at {self.host}:{self.port} as {self.user} "
                f"(database {dbname or self.dbname}): {first_line(exc)}"
            ) from exc


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL spelling of a DuckDB column type."""
    upper = duckdb_type.upper()
    if upper in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[upper]
    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", upper)
    if decimal:
        return f"numeric({decimal.group(1)}, {decimal.group(2)})"
    if upper.endswith("[]"):
        return postgres_type(upper[:-2]) + "[]"
    raise PostgresCopyError(f"no PostgreSQL type for DuckDB type {duckdb_type}")


def ensure_database(settings: PostgresSettings) -> bool:
    """Create the target database when it does not exist; True when it was created."""
    con = settings.connect(dbname="postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", [settings.dbname])
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(settings.dbname)))
            return True
    finally:
        con.close()


def drop_database(settings: PostgresSettings) -> None:
    """Drop the target database (tests use a throw-away one)."""
    con = settings.connect(dbname="postgres")
    try:
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(
                sql.SQL("drop database if exists {} with (force)").format(
                    sql.Identifier(settings.dbname)
                )
            )
    finally:
        con.close()


def _duckdb_tables(con: duckdb.DuckDBPyConnection, schemas: Iterable[str]) -> list[tuple[str, str]]:
    wanted = list(schemas)
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_schema in "
        f"({', '.join('?' for _ in wanted)}) order by table_schema, table_name",
        wanted,
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _duckdb_columns(
    con: duckdb.DuckDBPyConnection, schema: str, table: str
) -> list[tuple[str, str]]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _postgres_columns(cur, relation: sql.Composable) -> list[tuple[str, str]]:
    """Column names and PostgreSQL's own spelling of their types, or [] when no such table."""
    cur.execute(sql.SQL("select to_regclass({})").format(sql.Literal(relation.as_string(cur))))
    (oid,) = cur.fetchone()
    if oid is None:
        return []
    cur.execute(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute "
        "where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
        [oid],
    )
    return [(r[0], r[1]) for r in cur.fetchall()]


def _spelt_by_postgres(cur, columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The columns as PostgreSQL would report them once created (varchar -> character varying)."""
    probe = sql.Identifier("_qcity_type_probe")
    body = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(dtype)))
        for name, dtype in columns
    )
    cur.execute(sql.SQL("create temporary table {} ({})").format(probe, body))
    try:
        return _postgres_columns(cur, sql.SQL("pg_temp.{}").format(probe))
    finally:
        cur.execute(sql.SQL("drop table {}").format(sql.SQL("pg_temp.{}").format(probe)))


def _qualified(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def _duckdb_qualified(schema: str, table: str) -> str:
    return '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))


def _create_table(cur, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
    # cascade: dbt's staging views over the old table go too; the next dbt build recreates them.
    cur.execute(sql.SQL("drop table if exists {} cascade").format(_qualified(schema, table)))
    body = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(postgres_type(dtype)))
        for name, dtype in columns
    )
    cur.execute(sql.SQL("create table {} ({})").format(_qualified(schema, table), body))


def _plan_copy(
    duck: duckdb.DuckDBPyConnection,
    cur,
    schema: str,
    table: str,
    columns: list[tuple[str, str]],
    full: bool,
) -> tuple[str, str]:
    """How to bring one table up to date: ("create" | "truncate" | "append", DuckDB filter).

    A table whose columns differ is created afresh; a full copy, a table without load ids or
    one whose history no longer matches DuckDB's is emptied and refilled; otherwise only the
    rows with a newer load id are appended.
    """
    if _postgres_columns(cur, _qualified(schema, table)) != _spelt_by_postgres(cur, columns):
        return "create", ""
    if full or LOAD_ID_COLUMN not in (name for name, _ in columns):
        return "truncate", ""
    cur.execute(
        sql.SQL("select max({0}), count(*) from {1}").format(
            sql.Identifier(LOAD_ID_COLUMN), _qualified(schema, table)
        )
    )
    pg_max, pg_count = cur.fetchone()
    if pg_max is None:
        return "append", ""
    (duck_count,) = duck.execute(
        f'select count(*) from {_duckdb_qualified(schema, table)} where "{LOAD_ID_COLUMN}" <= ?',
        [pg_max],
    ).fetchone()
    if duck_count != pg_count:
        return "truncate", ""
    return "append", f' where "{LOAD_ID_COLUMN}" > {int(pg_max)}'


def copy_schemas(
    duckdb_path: Path,
    settings: PostgresSettings,
    schemas: Iterable[str] = DEFAULT_SCHEMAS,
    full: bool = False,
) -> dict[str, int]:
    """Copy every table of the given DuckDB schemas to the same schema in PostgreSQL.

    Returns the number of rows copied per `schema.table`. With `full`, every table is
    replaced; otherwise append-only tables only receive rows with a newer `_load_id`.
    """
    schemas = tuple(schemas)
    ensure_database(settings)
    copied: dict[str, int] = {}
    try:
        duck = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as exc:
        raise PostgresCopyError(f"cannot open the warehouse {duckdb_path}: {exc}") from exc
    pg = settings.connect()
    try:
        with tempfile.TemporaryDirectory(prefix="qcity-pgcopy-") as tmp, pg.cursor() as cur:
            for schema in schemas:
                create = sql.SQL("create schema if not exists {}")
                cur.execute(create.format(sql.Identifier(schema)))
            for schema, table in _duckdb_tables(duck, schemas):
                columns = _duckdb_columns(duck, schema, table)
                action, where = _plan_copy(duck, cur, schema, table, columns, full)
                if action == "create":
                    _create_table(cur, schema, table, columns)
                elif action == "truncate":
                    cur.execute(sql.SQL("truncate table {}").format(_qualified(schema, table)))
                csv_path = Path(tmp) / f"{schema}.{table}.csv"
                column_list = ", ".join('"{}"'.format(n.replace('"', '""')) for n, _ in columns)
                duck.execute(
                    f"copy (select {column_list} from {_duckdb_qualified(schema, table)}{where}) "
                    f"to '{csv_path}' (format csv, header false)"
                )
                with csv_path.open("rb") as fh:
                    cur.copy_expert(
                        sql.SQL("copy {} ({}) from stdin with (format csv)").format(
                            _qualified(schema, table),
                            sql.SQL(", ").join(sql.Identifier(n) for n, _ in columns),
                        ),
                        fh,
                    )
                copied[f"{schema}.{table}"] = cur.rowcount
                csv_path.unlink()
        pg.commit()
    except psycopg2.Error as exc:
        pg.rollback()
        raise PostgresCopyError(f"copying to {settings.where} failed: {first_line(exc)}") from exc
    finally:
        pg.close()
        duck.close()
    return copied
