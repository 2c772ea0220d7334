"""A BI reader in its own process, for tests/serving/test_reader_during_build.py.

`python -m tests.serving.reader_probe MODE SERVING_FILE STOP_FILE RESULT_FILE`

- `sticky`: opens the serving file once and keeps the connection for the whole run, as a
  BI tool's connection pool does;
- `fresh`: opens, reads and closes again and again, as a dashboard refresh does.

Every read checks, inside one connection, that what it sees is one whole version: each
table's row count equals the count published with the version, and the market-sampling
samples counted by the pass-rate mart equal the samples in the fact table. It stops when
STOP_FILE exists and writes what it saw to RESULT_FILE as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb


def check(con: duckdb.DuckDBPyConnection) -> dict:
    sequence, version = con.execute("select sequence, version from serving.publication").fetchone()
    published = con.execute("select table_name, row_count from serving.published_tables").fetchall()
    torn = [
        table
        for table, expected in published
        if con.execute(f'select count(*) from marts."{table}"').fetchone()[0] != expected
    ]
    (in_rates,) = con.execute(
        "select coalesce(sum(tested_count), 0) from marts.mart_pass_rates "
        "where source = 'market_sampling'"
    ).fetchone()
    (in_facts,) = con.execute(
        "select count(*) from marts.fct_market_samples where sampling_date is not null"
    ).fetchone()
    (scorecard_rows,) = con.execute(
        "select count(*) from marts.mart_indicator_scorecard"
    ).fetchone()
    return {
        "sequence": sequence,
        "version": version,
        "torn_tables": torn,
        "consistent": not torn and in_rates == in_facts,
        "samples": in_facts,
        "scorecard_rows": scorecard_rows,
    }


def main(mode: str, serving_file: str, stop_file: str, result_file: str) -> None:
    seen: list[dict] = []
    errors: list[str] = []
    reads = 0
    sticky = duckdb.connect(serving_file, read_only=True) if mode == "sticky" else None
    started = time.monotonic()
    while time.monotonic() - started < 600:
        last = Path(stop_file).exists()  # one more read after the stop sign: the final version
        try:
            if sticky is not None:
                state = check(sticky)
            else:
                with duckdb.connect(serving_file, read_only=True) as con:
                    state = check(con)
            reads += 1
            if not seen or seen[-1] != state:
                seen.append(state)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        if last:
            break
        time.sleep(0.05)
    if sticky is not None:
        sticky.close()
    Path(result_file).write_text(json.dumps({"reads": reads, "seen": seen, "errors": errors}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
