"""Reliability trials: break the loader the ways it breaks, count what was lost.

`make bench ONLY=reliability` runs each trial in child processes of the real CLI and prints
one line per trial: how often it was tried, what happened, and how many input rows were
lost (rows neither loaded, quarantined nor in a file rejected whole: always 0). The figures
go into docs/reliability.md. Sizes and counts scale with QCITY_RELIABILITY_SCALE (1.0);
QCITY_RELIABILITY_ONLY="kills,full disk" runs only those trials.

- kills: `qcity ingest` of three files SIGKILLed at a random moment, again and again, then
  run to the end; the warehouse checked (warehouse.consistency) after every kill.
- misfit rows: a 200,000-row CSV with three rows of one cell too many, deep inside, loaded
  into a fresh warehouse each time.
- full disk: the warehouse on a tmpfs too small for the file (root only), then given room.
- concurrency: two `qcity ingest` processes on different files at once.
- hostile files: the generator's broken and malicious files, each rejected or handled.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb

from qcity.settings import reliability_only, reliability_scale
from warehouse.consistency import inconsistencies

SCALE = reliability_scale()
MISFIT_ROWS = (110_001, 150_000, 199_000)


def _cli(args: list[str], warehouse: Path, work: Path, **popen: object) -> subprocess.Popen:
    env = {
        **os.environ,
        "QCITY_WAREHOUSE": str(warehouse),
        "QCITY_BUILD_DIR": str(work / "build"),
        "GX_ANALYTICS_ENABLED": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "qcity.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _check(warehouse: Path) -> list[str]:
    if not warehouse.exists():
        return []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return inconsistencies(con)
    finally:
        con.close()


def _accounted_rows(warehouse: Path) -> int:
    """Input rows the warehouse accounts for: loaded or quarantined rows of loaded files."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select coalesce(sum(rows_read), 0) from audit.file_manifest where status = 'loaded'"
        ).fetchone()[0]
    finally:
        con.close()


def _market_csv(path: Path, rows: int, seed: int, defect_share: float = 0.02) -> Path:
    from sample_data import write_market_sampling_csv

    write_market_sampling_csv(path, rows, seed=seed, defect_share=defect_share)
    return path


def kills(work: Path, trials: int) -> dict[str, object]:
    """Each trial a fresh warehouse: a run killed at a random moment, the warehouse checked,
    then the same command run to the end (what an operator or a retried task does)."""
    sizes = (30_000, 5_000, 60_000)
    files = [_market_csv(work / f"批次{i}.csv", n, seed=i) for i, n in enumerate(sizes)]
    rng = random.Random(20251130)
    killed = broken = failed_reruns = lost = 0
    for trial in range(trials):
        warehouse = work / f"kills-{trial}.duckdb"
        proc = _cli(["ingest", "--json", "--wait", "60", *map(str, files)], warehouse, work)
        time.sleep(rng.uniform(0.5, 10.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.communicate(timeout=600)
        broken += bool(_check(warehouse))
        rerun = _cli(["ingest", "--json", *map(str, files)], warehouse, work)
        rerun.communicate(timeout=900)
        failed_reruns += rerun.returncode != 0
        lost += sum(sizes) - _accounted_rows(warehouse)
        broken += bool(_check(warehouse))
        for leftover in work.glob(f"kills-{trial}.duckdb*"):
            leftover.unlink()
    return {
        "trials": trials,
        "killed mid-run": killed,
        "inconsistent (after a kill or a re-run)": broken,
        "re-runs that failed": failed_reruns,
        "rows lost": lost,
    }


def _with_misfits(path: Path, rows: int) -> Path:
    """A clean CSV with three rows given one cell too many (a stray comma)."""
    _market_csv(path, rows, seed=7, defect_share=0.0)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number in MISFIT_ROWS:  # row numbers as Excel shows them (title row, header row)
        if number - 1 < len(lines):
            lines[number - 1] = lines[number - 1].rstrip("\r\n") + ",多余\n"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def misfits(work: Path, runs: int) -> dict[str, object]:
    export = _with_misfits(work / "抽检合格信息-20万行.csv", 200_000)
    outcomes: Counter[str] = Counter()
    lost = 0
    for run in range(runs):
        warehouse = work / f"misfit-{run}.duckdb"
        proc = _cli(["ingest", "--json", str(export)], warehouse, work)
        out, _ = proc.communicate(timeout=900)
        line = json.loads(out.splitlines()[-1]) if out.strip() else {"status": "no output"}
        outcomes[f"{line['status']}, {line.get('rows_quarantined')} quarantined"] += 1
        if line["status"] == "loaded":
            lost += 200_000 - _accounted_rows(warehouse)
        warehouse.unlink(missing_ok=True)
    return {"runs": runs, "outcomes": dict(outcomes), "rows lost": lost}


def full_disk(work: Path) -> dict[str, object]:
    if os.geteuid() != 0:
        return {"skipped": "needs root to mount a tmpfs"}
    mount = work / "small-disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)]).returncode:
        return {"skipped": "tmpfs mount refused"}
    try:
        export = _market_csv(work / "抽检合格信息-大.csv", 120_000, seed=3)
        warehouse = mount / "w.duckdb"
        proc = _cli(["ingest", "--json", str(export)], warehouse, work)
        out, err = proc.communicate(timeout=900)
        first = {
            "exit": proc.returncode,
            "traceback": "Traceback" in err,
            "said": err.strip().splitlines()[-1][:160] if err.strip() else "",
            "inconsistent": len(_check(warehouse)),
        }
        statuses = _statuses(warehouse)
        alerts = _alert_kinds(warehouse)
        spooled = sorted(p.name for p in (work / "build" / "alerts" / "spool").glob("*"))
        subprocess.run(["mount", "-o", "remount,size=2g", str(mount)], check=True)
        retry = _cli(["ingest", "--json", str(export)], warehouse, work)
        out, _ = retry.communicate(timeout=900)
        line = json.loads(out.splitlines()[-1]) if out.strip() else {}
        return {
            "first run": first,
            "manifest after the fault": statuses,
            "alerts queued after the fault": alerts,
            "data team alerts spooled": len(spooled),
            "after space was freed": line.get("status"),
            "rows lost": 120_000 - _accounted_rows(warehouse),
        }
    finally:
        subprocess.run(["umount", "-l", str(mount)])


def _statuses(warehouse: Path) -> dict[str, int]:
    if not warehouse.exists():
        return {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return dict(
            con.execute("select status, count(*) from audit.file_manifest group by 1").fetchall()
        )
    except duckdb.Error:
        return {}
    finally:
        con.close()


def _alert_kinds(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return dict(
            con.execute(
                "select kind || ' → ' || department_code, count(*) from audit.alert_outbox "
                "group by 1"
            ).fetchall()
        )
    except duckdb.Error:
        return {}
    finally:
        con.close()


def concurrency(work: Path) -> dict[str, object]:
    sizes = (40_000, 40_000)
    files = [_market_csv(work / f"并发{i}.csv", n, seed=10 + i) for i, n in enumerate(sizes)]
    warehouse = work / "concurrent.duckdb"
    procs = [_cli(["ingest", "--json", "--wait", "600", str(f)], warehouse, work) for f in files]
    exits = [p.wait(timeout=1200) for p in procs]
    return {
        "processes": len(procs),
        "exits": exits,
        "rows lost": sum(sizes) - _accounted_rows(warehouse),
        "inconsistent": len(_check(warehouse)),
    }


def hostile(work: Path) -> dict[str, object]:
    from sample_data.hostile import write_hostile_files

    folder = work / "hostile"
    write_hostile_files(folder, bomb_mb=300)
    proc = _cli(["ingest", "--json", str(folder)], work / "hostile.duckdb", work)
    out, err = proc.communicate(timeout=1200)
    statuses = Counter(json.loads(line)["status"] for line in out.splitlines())
    return {
        "files": sum(statuses.values()),
        "outcomes": dict(statuses),
        "traceback": "Traceback" in err,
        "inconsistent": len(_check(work / "hostile.duckdb")),
    }


def main() -> None:
    trials = {
        "kills": lambda w: kills(w, max(3, round(15 * SCALE))),
        "misfit rows": lambda w: misfits(w, max(1, round(12 * SCALE))),
        "full disk": full_disk,
        "concurrency": concurrency,
        "hostile files": hostile,
    }
    only = reliability_only()
    for name, trial in trials.items():
        if only and name not in only.split(","):
            continue
        with tempfile.TemporaryDirectory(prefix="qcity-reliability-") as tmp:
            started = time.perf_counter()
            figures = trial(Path(tmp))
            seconds = time.perf_counter() - started
        print(f"{name:14s} {json.dumps(figures, ensure_ascii=False)} ({seconds:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
