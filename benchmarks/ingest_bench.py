"""Ingestion and validation speed, side by side with DuckDB's own load and a plain GX run.

Figures, on two generated market_sampling CSVs: the wide one (title rows above the header,
every column of the contract, ~390 bytes a row) and the plain one (the header on the first
line, ten columns, ISO dates, ~133 bytes a row):
- `qcity ingest` end to end (a fresh process, as a user runs it) vs DuckDB's own
  `read_csv` load of the same file into a table (also a fresh process), for each file,
  alternating, with the CPU seconds (user + sys) of each side beside the wall time: on a
  shared machine the CPU seconds move far less than the wall time;
- the validation stage of that ingest vs a plain whole-DataFrame GX run of the same suite's
  row expectations on the same typed rows;
- peak memory, and for the large file (10M rows by default) that memory stays bounded.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path

from benchmarks.measure import ROOT, Measured, run_python
from qcity.settings import bench_big_rows, bench_repeat, bench_rows

DATA = ROOT / "benchmarks" / "data"
#: the plain file's columns: the contract's required ones and a few more, nothing derived
PLAIN_COLUMNS = (
    "sample_id", "sampling_type", "product_name", "category", "sampled_unit",
    "county_code", "spec", "sampling_date", "verdict", "failed_items_text",
)  # fmt: skip


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


def ensure_plain_csv(rows: int) -> Path:
    """The plain benchmark file: one header line, ten columns, no title, no defects."""
    path = DATA / f"market_sampling_plain_{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        from sample_data.builder import AliasPicker
        from sample_data.market import MarketFile, write_market_file

        part = DATA / "plain.part"
        spec = MarketFile(
            rel_path=part.name,
            fmt="csv",
            encoding="utf-8",
            columns=PLAIN_COLUMNS,
            rows=rows,
            batch=1,
            date_forms=("iso",),
            county_forms=("full",),
            crlf=False,
        )
        write_market_file(DATA, spec, f"2025:{path.name}", AliasPicker(), None, direct=True)
        part.rename(path)
    return path


def qcity_ingest(path: Path, workdir: Path) -> tuple[Measured, dict]:
    env = {"QCITY_WAREHOUSE": str(workdir / "w.duckdb"), "QCITY_BUILD_DIR": str(workdir / "build")}
    measured = run_python(["-m", "qcity.cli", "ingest", "--json", str(path)], env)
    return measured, json.loads(measured.stdout.splitlines()[-1])


def duckdb_load(path: Path, workdir: Path, skip: int) -> Measured:
    """DuckDB's own load of the file (`skip`: the lines above its header)."""
    code = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[2]); "
        'con.execute("create table t as select * from read_csv(?, skip=?, header=true)", '
        "[sys.argv[1], int(sys.argv[3])]); "
        "print(con.execute('select count(*) from t').fetchone()[0])"
    )
    return run_python(["-c", code, str(path), str(workdir / "duck.duckdb"), str(skip)])


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


def compare(path: Path, skip: int, repeat: int, tmp: Path) -> dict:
    """`qcity ingest` and DuckDB's load of one file, `repeat` times each, alternating, so
    that a noisy neighbour on a shared machine hits both; medians are compared."""
    ours: list[Measured] = []
    theirs: list[Measured] = []
    line: dict = {}
    for k in range(repeat):
        work = tmp / f"{path.stem}-{k}"
        work.mkdir()
        measured, line = qcity_ingest(path, work)
        ours.append(measured)
        theirs.append(duckdb_load(path, work, skip))

    def side(runs: list[Measured]) -> dict:
        return {
            "seconds": statistics.median(m.seconds for m in runs),
            "cpu_seconds": statistics.median(m.cpu_seconds for m in runs),
            "runs": [round(m.seconds, 2) for m in runs],
            "cpu_runs": [round(m.cpu_seconds, 2) for m in runs],
            "peak_rss_mb": max(m.peak_rss_mb for m in runs),
        }

    result = {
        "file": path.name,
        "ingest": {**side(ours), "rows_loaded": line["rows_loaded"], "status": line["status"]},
        "duckdb_read_csv": side(theirs),
    }
    result["ratio"] = result["ingest"]["seconds"] / result["duckdb_read_csv"]["seconds"]
    result["cpu_ratio"] = result["ingest"]["cpu_seconds"] / result["duckdb_read_csv"]["cpu_seconds"]
    return result


def run(rows: int, big_rows: int, repeat: int) -> dict:
    """The wide and the plain file side by side with DuckDB, the stage timings and the plain
    GX run on the wide one, then the big file's peak memory; the machine's load average at
    the start and the end (it is shared)."""
    results: dict = {"rows": rows, "repeat": repeat, "load_average": [os.getloadavg()]}
    wide = ensure_csv(rows)
    plain = ensure_plain_csv(rows)
    with tempfile.TemporaryDirectory(prefix="qcity-bench-") as tmp:
        results["wide"] = compare(wide, 2, repeat, Path(tmp))
        results["plain"] = compare(plain, 0, repeat, Path(tmp))
        work = Path(tmp) / "stages"
        work.mkdir()
        stages = stage_timings(wide, work)
        baseline = plain_gx(work)
    results["stages"] = json.loads(stages.stdout.splitlines()[-1])
    results["plain_gx"] = json.loads(baseline.stdout.splitlines()[-1])
    if big_rows:
        big = ensure_csv(big_rows)
        with tempfile.TemporaryDirectory(prefix="qcity-bench-") as tmp:
            measured, line = qcity_ingest(big, Path(tmp))
        results["big"] = {
            "rows": big_rows,
            "seconds": measured.seconds,
            "cpu_seconds": measured.cpu_seconds,
            "peak_rss_mb": measured.peak_rss_mb,
            "status": line["status"],
            "rows_loaded": line["rows_loaded"],
        }
    results["load_average"].append(os.getloadavg())
    return results


def report(results: dict) -> str:
    rows = results["rows"]
    stages, gx = results["stages"], results["plain_gx"]
    loads = ", ".join("/".join(f"{x:.1f}" for x in la) for la in results["load_average"])
    lines = [f"load average (1/5/15 min) at start, end: {loads}"]
    for name in ("wide", "plain"):
        r = results[name]
        ingest, duck = r["ingest"], r["duckdb_read_csv"]
        lines += [
            f"ingest of the {rows:,}-row {name} CSV {r['file']} (median of {results['repeat']} runs each)",
            f"  qcity ingest (incl. GX validation) {ingest['seconds']:8.2f} s  {ingest['cpu_seconds']:6.2f} s CPU   "
            f"peak {ingest['peak_rss_mb']:7.0f} MB   {ingest['rows_loaded']:,} rows {ingest['status']}   "
            f"runs {ingest['runs']}",
            f"  DuckDB read_csv load               {duck['seconds']:8.2f} s  {duck['cpu_seconds']:6.2f} s CPU   "
            f"peak {duck['peak_rss_mb']:7.0f} MB   runs {duck['runs']}",
            f"  ratio                              {r['ratio']:8.2f} x  {r['cpu_ratio']:6.2f} x CPU   (target ≤ 4x)",
        ]
    lines += [
        "  stages of the wide file (in-process): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items() if isinstance(v, float)),
        f"validation of the same {gx['rows']:,} typed rows",
        f"  qcity validation stage             {stages['validate']:8.2f} s",
        f"  plain whole-DataFrame GX run       {gx['seconds']:8.2f} s   ({gx['expectations']} expectations)",
    ]
    if "big" in results:
        big = results["big"]
        lines += [
            f"ingest of a {big['rows']:,}-row CSV: {big['seconds']:.1f} s ({big['cpu_seconds']:.1f} s CPU), "
            f"peak {big['peak_rss_mb']:.0f} MB (target < 2,000), {big['rows_loaded']:,} rows {big['status']}"
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
