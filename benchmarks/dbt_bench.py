"""`qcity build` on a large warehouse: a full build, then the build after one daily load.

The raw tables are filled straight from SQL (generate_series) rather than through the
ingestion, so this measures dbt alone: QCITY_BENCH_FACT_ROWS market samples (default
10,000,000, sampled over 300 days of 2025) plus proportionate agriculture tests and
acceptances. Then a "daily load" of QCITY_BENCH_DAILY_ROWS new samples under a new load id,
sampled in the ten days after the others (what a day's export holds), and the incremental
build; then a load of as many new samples spread over all 300 days (a late re-export: every
month of the year is touched) and its incremental build; then a full refresh of the same.
Each build's dbt run_results.json is kept in benchmarks/results/dbt_<phase>_run_results.json,
and the daily build's slowest nodes are printed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.measure import ROOT
from qcity.settings import bench_daily_rows, bench_fact_rows
from warehouse.connection import connect
from warehouse.dbt_build import DBT_PROJECT_DIR, build

RESULTS = ROOT / "benchmarks" / "results"

_COUNTIES = [
    "360902",
    "360921",
    "360922",
    "360923",
    "360924",
    "360925",
    "360926",
    "360981",
    "360982",
    "360983",
    "360990",
    "360991",
    "360992",
    "360999",
]


def _manifest(con: duckdb.DuckDBPyConnection, load_id: int, source: str, rows: int) -> None:
    """Every load the raw tables name has its manifest row (dbt tests the relationship)."""
    con.execute(
        "insert into audit.file_manifest (load_id, file_sha256, file_name, source, status, "
        "rows_read, rows_loaded, rows_quarantined, received_at) "
        "values (?, ?, 'bench.csv', ?, 'loaded', ?, ?, 0, now())",
        [load_id, f"bench-{load_id}-{source}", source, rows, rows],
    )


def _fill_market(
    con: duckdb.DuckDBPyConnection,
    first: int,
    rows: int,
    load_id: int,
    first_day: int = 0,
    days: int = 300,
) -> None:
    _manifest(con, load_id, "market_sampling", rows)
    con.execute(
        f"""
        insert into raw.market_sampling by name
        select 'S' || lpad(i::varchar, 10, '0') as sample_id,
               ['food', 'drug', 'industrial'][1 + i % 3] as sampling_type,
               ['大米', '芹菜', '电线', '酱油', '猪肉'][1 + i % 5] as product_name,
               ['粮食', '蔬菜', '电工', '调味品', '肉类'][1 + i % 5] as category,
               '某超市' || (i % 5000)::varchar as sampled_unit,
               $counties[1 + i % 14] as county_code,
               date '2025-01-01' + ({first_day} + i % {days})::integer as sampling_date,
               case when i % 37 = 0 then 'fail' else 'pass' end as verdict,
               case when i % 37 = 0 then '铅║1.2║0.5' end as failed_items_text,
               'bench.csv' as _source_file, 'bench' as _file_sha256, 1 + (i - {first})::integer as _row_number,
               {load_id}::bigint as _load_id, now()::timestamp as _loaded_at
        from range({first}, {first + rows}) t(i)""",
        {"counties": _COUNTIES},
    )
    con.execute(f"""
        insert into raw.market_sampling_failed_items by name
        select sample_id, 1 as item_seq, '铅' as item, '1.2' as measured_text, '0.5' as limit_text,
               _source_file, _file_sha256, _row_number, _load_id, _loaded_at
        from raw.market_sampling where _load_id = {load_id} and verdict = 'fail'""")


def _fill_others(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    _manifest(con, 2, "agri_testing", rows // 2)
    _manifest(con, 3, "construction_acceptance", max(rows // 500, 100))
    con.execute(
        f"""
        insert into raw.agri_testing by name
        select 'A' || (i // 4)::varchar as sample_id, '青菜' as sample_name,
               $counties[1 + i % 14] as county_code, date '2025-01-01' + (i % 300)::integer as sampling_date,
               'quantitative' as test_method, ['毒死蜱', '镉', '铅', '克百威'][1 + i % 4] as test_item,
               case when i % 53 = 0 then 'fail' else 'pass' end as verdict,
               'bench.csv' as _source_file, 'bench' as _file_sha256, i::integer as _row_number,
               2::bigint as _load_id, now()::timestamp as _loaded_at
        from range({rows // 2}) t(i)""",
        {"counties": _COUNTIES},
    )
    con.execute(
        f"""
        insert into raw.construction_acceptance by name
        select 'P' || i::varchar as project_code, '工程' || i::varchar as project_name,
               $counties[1 + i % 14] as county_code, ['large', 'medium', 'small'][1 + i % 3] as scale_class,
               date '2025-01-01' + (i % 300)::integer as acceptance_date, 1 as acceptance_round,
               case when i % 11 = 0 then 'fail' else 'pass' end as verdict,
               'bench.csv' as _source_file, 'bench' as _file_sha256, i::integer as _row_number,
               3::bigint as _load_id, now()::timestamp as _loaded_at
        from range({max(rows // 500, 100)}) t(i)""",
        {"counties": _COUNTIES},
    )


def _keep_run_results(phase: str) -> list[tuple[str, float]]:
    """Copy the build's dbt run_results.json to benchmarks/results/dbt_<phase>_run_results.json
    and return its nodes' execution times, slowest first."""
    target = Path(os.environ.get("DBT_TARGET_PATH") or DBT_PROJECT_DIR / "target")
    if not target.is_absolute():
        target = DBT_PROJECT_DIR / target
    RESULTS.mkdir(exist_ok=True)
    kept = RESULTS / f"dbt_{phase}_run_results.json"
    shutil.copy(target / "run_results.json", kept)
    results = json.loads(kept.read_text())["results"]
    timings = [(r["unique_id"], round(r["execution_time"], 2)) for r in results]
    return sorted(timings, key=lambda timing: -timing[1])


def run(fact_rows: int, daily_rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="qcity-dbt-bench-") as tmp:
        warehouse = Path(tmp) / "w.duckdb"
        con = connect(warehouse)
        started = time.perf_counter()
        _fill_market(con, 0, fact_rows, load_id=1)
        _fill_others(con, fact_rows)
        fill_seconds = time.perf_counter() - started
        con.close()
        env = {"QCITY_BUILD_DIR": str(Path(tmp) / "build")}
        first = build(warehouse, env=env, capture=True)
        _keep_run_results("first")
        con = connect(warehouse)
        _fill_market(con, fact_rows, daily_rows, load_id=4, first_day=300, days=10)
        con.close()
        incremental = build(warehouse, env=env, capture=True)
        daily_nodes = _keep_run_results("daily")
        con = connect(warehouse)
        _fill_market(con, fact_rows + daily_rows, daily_rows, load_id=5)
        con.close()
        spread = build(warehouse, env=env, capture=True)
        _keep_run_results("spread")
        full = build(warehouse, full_refresh=True, env=env, capture=True)
        _keep_run_results("full_refresh")
    return {
        "fact_rows": fact_rows,
        "daily_rows": daily_rows,
        "fill_seconds": fill_seconds,
        "first_build_seconds": first.seconds,
        "incremental_build_seconds": incremental.seconds,
        "spread_build_seconds": spread.seconds,
        "full_refresh_seconds": full.seconds,
        "daily_nodes": len(daily_nodes),
        "daily_node_seconds": sum(seconds for _, seconds in daily_nodes),
        "daily_slowest_nodes": daily_nodes[:10],
    }


def report(r: dict) -> str:
    return "\n".join(
        [
            f"qcity build on {r['fact_rows']:,} market samples (+ {r['fact_rows'] // 2:,} agri tests)",
            f"  first build (full)                   {r['first_build_seconds']:8.1f} s",
            f"  after a daily load of {r['daily_rows']:,} rows     {r['incremental_build_seconds']:8.1f} s  (incremental)",
            f"  after a load of {r['daily_rows']:,} spread over the year {r['spread_build_seconds']:8.1f} s  (incremental)",
            f"  full refresh of the same             {r['full_refresh_seconds']:8.1f} s",
            f"  daily build / full refresh           {r['incremental_build_seconds'] / r['full_refresh_seconds']:8.1%}",
            f"  daily build's {r['daily_nodes']} nodes, slowest (dbt run_results, "
            f"{r['daily_node_seconds']:.1f} s summed over threads):",
            *(f"    {node:60} {seconds:8.2f} s" for node, seconds in r["daily_slowest_nodes"]),
        ]
    )


def main() -> None:
    results = run(
        bench_fact_rows(),
        bench_daily_rows(),
    )
    print(report(results))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dbt.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
