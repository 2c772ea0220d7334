"""Publish the marts to PostgreSQL's `marts` schema, for BI tools that speak PostgreSQL.

The tables come from the serving copy (warehouse.serving), an immutable file, so the copy
never holds the warehouse. Each table goes to a CSV file first (DuckDB writes it, psycopg2
streams it in with COPY), then one PostgreSQL transaction loads every table into a fresh
staging schema (with the tables' and columns' comments, dbt's descriptions, carried
over from the serving copy), drops the old tables of `marts` and moves the new ones in: a BI query sees
the previous version or the new one, never a mix, and a publication that fails half way
leaves the previous version untouched. `marts` itself is never dropped, so grants others
made on it survive; tables `marts` held that the new version lacks are dropped, so `marts`
is always exactly the DuckDB marts.

The `bi_reader` role may read `marts` and nothing else: USAGE on the schema, SELECT on its
tables, default privileges so that tables created there later (a dbt build on PostgreSQL)
are readable too, every privilege on any other schema revoked, and read-only transactions
by default. It may log in only when `QCITY_BI_READER_PASSWORD` gives it a password (never
stored in the repository); otherwise it is created NOLOGIN, for granting to real users.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import errors, sql

from qcity.settings import BI_READER_ROLE, bi_reader_password, bi_reader_role, pg_publish
from warehouse.postgres_copy import (
    PostgresCopyError,
    PostgresSettings,
    ensure_database,
    first_line,
    postgres_type,
)

MARTS_SCHEMA = "marts"
_STAGING_SCHEMA = "marts__publishing"
#: Serialises publications to one database (two DAG runs, or a DAG run and the CLI).
_ADVISORY_LOCK_KEY = "qcity.publish_marts"
#: How long the swap may wait for BI queries holding a marts table before giving up.
LOCK_TIMEOUT = "60s"


class PostgresPublishError(RuntimeError):
    """A publication that failed; the message is one sentence."""


def publish_enabled(environ: dict[str, str] | None = None) -> bool:
    """True when `QCITY_PG_PUBLISH` asks for PostgreSQL (1, true, yes, on)."""
    return pg_publish(environ)


@dataclass
class PostgresPublication:
    where: str
    schema: str
    reader_role: str
    reader_can_login: bool
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _ident(*names: str) -> sql.Composed:
    return sql.SQL(".").join(sql.Identifier(n) for n in names)


def _duck_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _export_tables(
    duck: duckdb.DuckDBPyConnection, tmp: Path
) -> list[tuple[str, list[tuple[str, str]], Path]]:
    """Each table of the marts schema as (name, columns, CSV file)."""
    exported = []
    tables = [
        r[0]
        for r in duck.execute(
            "select table_name from duckdb_tables() where schema_name = ? "
            "and database_name = current_database() order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
    ]
    for table in tables:
        columns = [
            (r[0], r[1])
            for r in duck.execute(
                "select column_name, data_type from duckdb_columns() where schema_name = ? "
                "and table_name = ? and database_name = current_database() "
                "order by column_index",
                [MARTS_SCHEMA, table],
            ).fetchall()
        ]
        csv_path = tmp / f"{len(exported):03d}.csv"
        select = ", ".join(_duck_quote(c) for c, _ in columns)
        duck.execute(
            f"copy (select {select} from {MARTS_SCHEMA}.{_duck_quote(table)}) "
            f"to '{csv_path}' (format csv, header false)"
        )
        exported.append((table, columns, csv_path))
    return exported


def _comments(duck: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, dict[str, str]]]:
    """Each marts table's comment and its columns' comments (dbt's descriptions)."""
    tables = dict(
        duck.execute(
            "select table_name, comment from duckdb_tables() where schema_name = ? "
            "and database_name = current_database()",
            [MARTS_SCHEMA],
        ).fetchall()
    )
    found: dict[str, tuple[str | None, dict[str, str]]] = {
        t: (c or None, {}) for t, c in tables.items()
    }
    for table, column, comment in duck.execute(
        "select table_name, column_name, comment from duckdb_columns() where schema_name = ? "
        "and database_name = current_database() and comment is not null and comment <> ''",
        [MARTS_SCHEMA],
    ).fetchall():
        if table in found:
            found[table][1][column] = comment
    return found


def _comment_table(cur, schema: str, table: str, comments: tuple[str | None, dict[str, str]]):
    """Carry a table's and its columns' comments over: BI tools show them as descriptions."""
    table_comment, column_comments = comments
    if table_comment:
        cur.execute(
            sql.SQL("comment on table {} is {}").format(
                _ident(schema, table), sql.Literal(table_comment)
            )
        )
    for column, comment in column_comments.items():
        cur.execute(
            sql.SQL("comment on column {} is {}").format(
                _ident(schema, table, column), sql.Literal(comment)
            )
        )


def _serving_version(duck: duckdb.DuckDBPyConnection) -> str | None:
    """The serving copy's version, when the source is one (its data and this agree)."""
    from warehouse.serving import read_publication

    publication = read_publication(duck)
    if publication is None:
        return None
    return (
        f"qcity serving {publication['version']} ({publication['published_at']:%Y-%m-%d %H:%M} UTC)"
    )


def ensure_reader_role(
    settings: PostgresSettings, role: str = BI_READER_ROLE, password: str | None = None
) -> bool:
    """Create the reader role when missing; give it LOGIN and the password when one is given.

    Returns whether the role can log in. Roles belong to the whole server, so two
    publications to different databases may race to create it; the loser retries.
    """
    con = settings.connect()
    try:
        for attempt in range(3):
            try:
                with con.cursor() as cur:
                    cur.execute("select rolcanlogin from pg_roles where rolname = %s", [role])
                    found = cur.fetchone()
                    if found is None:
                        cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
                    if password:
                        cur.execute(
                            sql.SQL("alter role {} login password %s").format(sql.Identifier(role)),
                            [password],
                        )
                    # Belt and braces: privileges are what stop writes; this stops them earlier.
                    cur.execute(
                        sql.SQL("alter role {} set default_transaction_read_only = on").format(
                            sql.Identifier(role)
                        )
                    )
                    cur.execute("select rolcanlogin from pg_roles where rolname = %s", [role])
                    (can_login,) = cur.fetchone()
                con.commit()
                return bool(can_login)
            except (errors.DuplicateObject, errors.UniqueViolation, errors.InternalError):
                con.rollback()
                if attempt == 2:
                    raise
                time.sleep(0.2)
        raise AssertionError("unreachable")
    finally:
        con.close()


def _grant_reader(cur, role: str, dbname: str) -> None:
    """`role` reads marts and nothing else in this database."""
    r = sql.Identifier(role)
    cur.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(dbname), r))
    cur.execute(
        "select nspname from pg_namespace where nspname <> %s and nspname not like 'pg\\_%%' "
        "and nspname <> 'information_schema'",
        [MARTS_SCHEMA],
    )
    for (schema,) in cur.fetchall():
        s = sql.Identifier(schema)
        cur.execute(sql.SQL("revoke all on schema {} from {}").format(s, r))
        cur.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(s, r))
        cur.execute(sql.SQL("revoke all on all sequences in schema {} from {}").format(s, r))
        cur.execute(sql.SQL("revoke all on all functions in schema {} from {}").format(s, r))
    m = sql.Identifier(MARTS_SCHEMA)
    cur.execute(sql.SQL("revoke create on schema {} from {}").format(m, r))
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(m, r))
    cur.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(m, r))
    cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(m, r))
    cur.execute(
        sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(m, r)
    )


def publish_marts(
    source: Path,
    settings: PostgresSettings | None = None,
    *,
    role: str | None = None,
    password: str | None = None,
    comment: str | None = None,
) -> PostgresPublication:
    """Replace PostgreSQL's `marts` tables with those of the DuckDB file `source`, atomically.

    `role` defaults to `QCITY_BI_READER_ROLE`, else bi_reader; `password` to
    `QCITY_BI_READER_PASSWORD`. `comment` is stored on the schema, where BI users can read
    it; by default the serving version the tables came from.
    """
    started = time.perf_counter()
    settings = settings or PostgresSettings.from_env()
    role = role or bi_reader_role()
    if password is None:
        password = bi_reader_password()
    try:
        ensure_database(settings)
        can_login = ensure_reader_role(settings, role, password)
    except PostgresCopyError as exc:
        raise PostgresPublishError(str(exc)) from exc
    except psycopg2.Error as exc:
        raise PostgresPublishError(
            f"cannot prepare the role {role} on {settings.where}: {first_line(exc)}"
        ) from exc
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="qcity-pgpublish-") as tmp:
        try:
            with duckdb.connect(str(source), read_only=True) as duck:
                exported = _export_tables(duck, Path(tmp))
                comments = _comments(duck)
                comment = comment or _serving_version(duck)
        except duckdb.Error as exc:
            raise PostgresPublishError(f"cannot read the marts of {source}: {exc}") from exc
        if not exported:
            raise PostgresPublishError(f"{source} has no {MARTS_SCHEMA} tables to publish")
        try:
            pg = settings.connect()
        except PostgresCopyError as exc:
            raise PostgresPublishError(str(exc)) from exc
        try:
            with pg.cursor() as cur:
                cur.execute(
                    sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT))
                )
                cur.execute("select pg_advisory_xact_lock(hashtext(%s))", [_ADVISORY_LOCK_KEY])
                staging = sql.Identifier(_STAGING_SCHEMA)
                cur.execute(sql.SQL("drop schema if exists {} cascade").format(staging))
                cur.execute(sql.SQL("create schema {}").format(staging))
                for table, columns, csv_path in exported:
                    body = sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(postgres_type(t)))
                        for c, t in columns
                    )
                    target = _ident(_STAGING_SCHEMA, table)
                    cur.execute(sql.SQL("create table {} ({})").format(target, body))
                    with csv_path.open("rb") as fh:
                        cur.copy_expert(
                            sql.SQL("copy {} ({}) from stdin with (format csv)").format(
                                target, sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns)
                            ),
                            fh,
                        )
                    counts[table] = cur.rowcount
                    _comment_table(cur, _STAGING_SCHEMA, table, comments.get(table, (None, {})))
                cur.execute(
                    sql.SQL("create schema if not exists {}").format(sql.Identifier(MARTS_SCHEMA))
                )
                cur.execute(
                    "select c.relname, c.relkind from pg_class c "
                    "join pg_namespace n on n.oid = c.relnamespace "
                    "where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f')",
                    [MARTS_SCHEMA],
                )
                kinds = {"v": "view", "m": "materialized view", "f": "foreign table"}
                for name, kind in cur.fetchall():
                    # No cascade: a view someone built on a mart makes the publication fail
                    # (and change nothing) instead of silently disappearing.
                    cur.execute(
                        sql.SQL("drop {} {}").format(
                            sql.SQL(kinds.get(kind, "table")), _ident(MARTS_SCHEMA, name)
                        )
                    )
                for table, _, _ in exported:
                    cur.execute(
                        sql.SQL("alter table {} set schema {}").format(
                            _ident(_STAGING_SCHEMA, table), sql.Identifier(MARTS_SCHEMA)
                        )
                    )
                cur.execute(sql.SQL("drop schema {}").format(staging))
                _grant_reader(cur, role, settings.dbname)
                if comment:
                    cur.execute(
                        sql.SQL("comment on schema {} is {}").format(
                            sql.Identifier(MARTS_SCHEMA), sql.Literal(comment)
                        )
                    )
            pg.commit()
        except psycopg2.Error as exc:
            pg.rollback()
            raise PostgresPublishError(
                f"publishing the marts to {settings.where} failed: {first_line(exc)}"
            ) from exc
        finally:
            pg.close()
    return PostgresPublication(
        where=settings.where,
        schema=MARTS_SCHEMA,
        reader_role=role,
        reader_can_login=can_login,
        tables=counts,
        seconds=time.perf_counter() - started,
    )
