"""A one-row file through `qcity ingest`, side by side with Python importing DuckDB and pandas
(issue 16, part 2: a small file costs at most 5x that start).

Each round, in fresh processes: `python -c "import duckdb, pandas"`, then
`qcity ingest --json` of a one-row market-sampling CSV into a fresh warehouse and build
folder (validated by the real suite, Data Docs written), then the same file again (a
duplicate). The figure is the CPU time of each process (user + sys, all its threads, from
wait4): on a shared machine it moves far less than the wall time. Medians of
`QCITY_BENCH_REPEAT` rounds (default 3); the rounds alternate the three, so a noisy
neighbour hits all of them; the load average at the start and the end is printed beside.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path

from benchmarks.measure import ROOT, Measured, run_python
from qcity.settings import bench_repeat

TARGET_RATIO = 5.0


def write_one_row(path: Path) -> Path:
    from tests.conftest import MARKET_HEADER, market_row, write_csv

    return write_csv(path, [MARKET_HEADER, market_row("S0000001")])


def ingest(path: Path, work: Path) -> tuple[Measured, dict]:
    env = {"QCITY_WAREHOUSE": str(work / "w.duckdb"), "QCITY_BUILD_DIR": str(work / "build")}
    measured = run_python(["-m", "qcity.cli", "ingest", "--json", str(path)], env)
    return measured, json.loads(measured.stdout.splitlines()[-1])


def run(repeat: int) -> dict:
    sides: dict[str, list[Measured]] = {"python": [], "ingest": [], "duplicate": []}
    statuses: dict[str, set[str]] = {"ingest": set(), "duplicate": set()}
    load = [os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="qcity-small-") as tmp:
        csv = write_one_row(Path(tmp) / "one.csv")
        for k in range(repeat):
            work = Path(tmp) / f"round-{k}"
            work.mkdir()
            sides["python"].append(run_python(["-c", "import duckdb, pandas"]))
            for side in ("ingest", "duplicate"):
                measured, line = ingest(csv, work)
                sides[side].append(measured)
                statuses[side].add(line["status"])
    load.append(os.getloadavg())
    results: dict = {"repeat": repeat, "load_average": load}
    for name, runs in sides.items():
        results[name] = {
            "cpu_seconds": statistics.median(m.cpu_seconds for m in runs),
            "cpu_runs": [round(m.cpu_seconds, 2) for m in runs],
            "seconds": statistics.median(m.seconds for m in runs),
            "peak_rss_mb": max(m.peak_rss_mb for m in runs),
        }
    for name in ("ingest", "duplicate"):
        results[name]["status"] = sorted(statuses[name])
        results[name]["ratio"] = results[name]["cpu_seconds"] / results["python"]["cpu_seconds"]
    return results


def report(results: dict) -> str:
    loads = ", ".join("/".join(f"{x:.1f}" for x in la) for la in results["load_average"])
    base = results["python"]
    lines = [
        f"load average (1/5/15 min) at start, end: {loads}",
        f"one process each, CPU seconds (user + sys), median of {results['repeat']} rounds",
        f"  python -c 'import duckdb, pandas'         {base['cpu_seconds']:6.2f} s"
        f"              runs {base['cpu_runs']}",
    ]
    labels = {
        "ingest": "qcity ingest, one-row CSV, fresh warehouse",
        "duplicate": "the same file again (a duplicate)       ",
    }
    for name, label in labels.items():
        r = results[name]
        lines.append(
            f"  {label} {r['cpu_seconds']:6.2f} s  {r['ratio']:5.2f}x  "
            f"runs {r['cpu_runs']}  {'/'.join(r['status'])}"
        )
    lines.append(f"  target: ingest ≤ {TARGET_RATIO:.0f}x the import")
    return "\n".join(lines)


def main() -> None:
    results = run(bench_repeat())
    print(report(results))
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "small_file.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
