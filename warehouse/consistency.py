"""Does the warehouse account for every row? The invariants a crash must never break.

For every loaded file the manifest's counts equal what `raw` and `audit.quarantine` hold
(rows read = rows loaded + rows quarantined); no raw, child or quarantined row exists
without a loaded manifest row (a half-committed file); and no bytes are loaded twice into
one source. The crash, full-disk and soak tests and the reliability benchmark all ask
this one function, so "consistent" means the same thing everywhere.
"""

from __future__ import annotations

import duckdb

from ingestion.contracts import all_contracts


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()
    return {r[0] for r in rows}


def inconsistencies(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every broken invariant as one sentence for the data team; empty when all hold."""
    tables = _tables(con)
    if "audit.file_manifest" not in tables:
        return [f"half-made warehouse: {sorted(tables)}"] if tables else []
    found: list[str] = []
    for contract in all_contracts():
        raw = f"raw.{contract.name}"
        if raw not in tables:
            continue
        mismatched = con.execute(
            f"""
            with loads as (
                select load_id, rows_read, rows_loaded, rows_quarantined
                from audit.file_manifest where status = 'loaded' and source = $1
            ), in_raw as (
                select _load_id as load_id, count(*) as n from {raw} group by 1
            ), in_quarantine as (
                select load_id, count(*) as n from audit.quarantine where source = $1 group by 1
            )
            select l.load_id, l.rows_read, l.rows_loaded, l.rows_quarantined,
                   coalesce(r.n, 0), coalesce(q.n, 0)
            from loads l
            left join in_raw r using (load_id)
            left join in_quarantine q using (load_id)
            where coalesce(r.n, 0) <> l.rows_loaded
               or coalesce(q.n, 0) <> l.rows_quarantined
               or l.rows_read <> l.rows_loaded + l.rows_quarantined
            """,
            [contract.name],
        ).fetchall()
        found += [
            f"load {load_id} ({contract.name}): manifest says read {read}, loaded {loaded}, "
            f"quarantined {quarantined}; the warehouse holds {in_raw} and {in_q}"
            for load_id, read, loaded, quarantined, in_raw, in_q in mismatched
        ]
        children = [f"raw.{c.name}" for c in contract.child_tables if f"raw.{c.name}" in tables]
        for table in (raw, *children):
            orphans = _orphans(con, table, "_load_id")
            if orphans:
                found.append(f"{table}: {orphans} rows of no loaded file")
        twice = con.execute(
            "select file_sha256 from audit.file_manifest where status = 'loaded' "
            "and source = ? group by 1 having count(*) > 1",
            [contract.name],
        ).fetchall()
        found += [f"{contract.name}: bytes {sha[:12]}… loaded twice" for (sha,) in twice]
    orphans = _orphans(con, "audit.quarantine", "load_id")
    if orphans:
        found.append(f"audit.quarantine: {orphans} rows of no loaded file")
    return found


def _orphans(con: duckdb.DuckDBPyConnection, table: str, load_column: str) -> int:
    return con.execute(
        f"""
        select count(*) from {table} t
        where not exists (select 1 from audit.file_manifest m
                          where m.load_id = t.{load_column} and m.status = 'loaded')
        """
    ).fetchone()[0]
