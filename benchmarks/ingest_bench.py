"""Ingestion and validation speed, side by side with DuckDB's own load and a plain GX run.

Figures, all on the same generated market_sampling CSV (title rows above the header, every
column of the contract):
- `qcity ingest` end to end (a fresh process, as a user runs it) vs DuckDB's own
  `read_csv` load of the same file into a table (also a fresh process);
- the validation stage of that ingest vs a plain whole-DataFrame GX run of the same suite's
  row expectations on the same typed rows;
- peak memory, and for the large file (10M rows by default) that memory stays bounded.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from benchmarks.measure import ROOT, Measured, run_python
from qcity.settings import bench_big_rows, bench_repeat, bench_rows

DATA = ROOT / "benchmarks" / "data"


def ensure_csv(rows: int) -> Path:
    """The benchmark file, generated once and kept under benchmarks/data (gitignored)."""
    path = DATA / f"market_sampling_{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        from sample_data import write_market_sampling_csv

        part = path.with_suffix(".part")
        write_market_sampling_csv(part, rows, seed=2025)
        part.rename(path)
    return path


def qcity_ingest(path: Path, workdir: Path) -> tuple[Measured, dict]:
    env = {"QCITY_WAREHOUSE": str(workdir / "w.duckdb"), "QCITY_BUILD_DIR": str(workdir / "build")}
    measured = run_python(["-m", "qcity.cli", "ingest", "--json", str(path)], env)
    return measured, json.loads(measured.stdout.splitlines()[-1])


def duckdb_load(path: Path, workdir: Path) -> Measured:
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[2]); "
        'con.execute("create table t as select * from read_csv(?, skip=2, header=true)", [sys.argv[1]]); '
        "print(con.execute('select count(*) from t').fetchone()[0])"
    )
    return run_python(["-c", code, str(path), str(workdir / "duck.duckdb")])


def stage_timings(path: Path, workdir: Path) -> Measured:
    """An in-process ingest that prints its per-stage seconds."""
    code = (
        "import json, sys; from pathlib import Path; "
        "from warehouse.connection import connect; from warehouse.load import Loader; "
        "r = Loader(connect(Path(sys.argv[2]))).ingest(Path(sys.argv[1])); "
        "print(json.dumps({**r.timings, 'status': r.status, 'rows': r.rows_loaded}))"
    )
    env = {"QCITY_BUILD_DIR": str(workdir / "build")}
    return run_python(["-c", code, str(path), str(workdir / "stages.duckdb")], env)


def plain_gx(workdir: Path) -> Measured:
    return run_python(["-m", "benchmarks.plain_gx", str(workdir / "stages.duckdb")])


def run(rows: int, big_rows: int, repeat: int) -> dict:
    """Both sides `repeat` times, alternating, so that a noisy neighbour on a shared machine
    hits both; medians are compared."""
    results: dict = {"rows": rows, "repeat": repeat}
    path = ensure_csv(rows)
    ours: list[Measured] = []
    theirs: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="qcity-bench-") as tmp:
        for k in range(repeat):
            work = Path(tmp) / str(k)
            work.mkdir()
            measured, line = qcity_ingest(path, work)
            ours.append(measured)
            theirs.append(duckdb_load(path, work))
        stages = stage_timings(path, work)
        baseline = plain_gx(work)
    timings = json.loads(stages.stdout.splitlines()[-1])
    ours_s = statistics.median(m.seconds for m in ours)
    theirs_s = statistics.median(m.seconds for m in theirs)
    results["ingest"] = {
        "seconds": ours_s,
        "runs": [round(m.seconds, 2) for m in ours],
        "peak_rss_mb": max(m.peak_rss_mb for m in ours),
        "rows_loaded": line["rows_loaded"],
        "status": line["status"],
    }
    results["duckdb_read_csv"] = {
        "seconds": theirs_s,
        "runs": [round(m.seconds, 2) for m in theirs],
        "peak_rss_mb": max(m.peak_rss_mb for m in theirs),
    }
    results["ratio_ingest_vs_duckdb"] = ours_s / theirs_s
    results["stages"] = timings
    results["plain_gx"] = json.loads(baseline.stdout.splitlines()[-1])
    if big_rows:
        big = ensure_csv(big_rows)
        with tempfile.TemporaryDirectory(prefix="qcity-bench-") as tmp:
            measured, line = qcity_ingest(big, Path(tmp))
        results["big"] = {
            "rows": big_rows,
            "seconds": measured.seconds,
            "peak_rss_mb": measured.peak_rss_mb,
            "status": line["status"],
            "rows_loaded": line["rows_loaded"],
        }
    return results


def report(results: dict) -> str:
    rows = results["rows"]
    ingest, duck = results["ingest"], results["duckdb_read_csv"]
    stages, gx = results["stages"], results["plain_gx"]
    lines = [
        f"ingest of a {rows:,}-row market_sampling CSV (median of {results['repeat']} runs each)",
        f"  qcity ingest (incl. GX validation) {ingest['seconds']:8.2f} s   peak {ingest['peak_rss_mb']:7.0f} MB   "
        f"{ingest['rows_loaded']:,} rows {ingest['status']}   runs {ingest['runs']}",
        f"  DuckDB read_csv load               {duck['seconds']:8.2f} s   peak {duck['peak_rss_mb']:7.0f} MB   "
        f"runs {duck['runs']}",
        f"  ratio                              {results['ratio_ingest_vs_duckdb']:8.2f} x   (target ≤ 4x)",
        "  stages (in-process): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items() if isinstance(v, float)),
        f"validation of the same {gx['rows']:,} typed rows",
        f"  qcity validation stage             {stages['validate']:8.2f} s",
        f"  plain whole-DataFrame GX run       {gx['seconds']:8.2f} s   ({gx['expectations']} expectations)",
    ]
    if "big" in results:
        big = results["big"]
        lines += [
            f"ingest of a {big['rows']:,}-row CSV: {big['seconds']:.1f} s, "
            f"peak {big['peak_rss_mb']:.0f} MB, {big['rows_loaded']:,} rows {big['status']}"
        ]
    return "\n".join(lines)


def main() -> None:
    rows = bench_rows()
    big_rows = bench_big_rows()
    repeat = bench_repeat()
    results = run(rows, big_rows, repeat)
    print(report(results))
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "ingest.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
