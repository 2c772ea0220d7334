"""`qcity generate` then `qcity ingest`, as a user runs them, checked against the manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest


def qcity(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qcity.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list[dict], Path]:
    root = tmp_path_factory.mktemp("e2e")
    env = {
        **os.environ,
        "QCITY_WAREHOUSE": str(root / "w.duckdb"),
        "QCITY_BUILD_DIR": str(root / "build"),
    }
    out = root / "exports"
    made = qcity("generate", "--out", str(out), "--rows", "3000", "--seed", "11", env=env)
    assert made.returncode == 0, made.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    lines: list[dict] = []
    # One `qcity ingest` per run of files with the same source, in the manifest's order
    # (a correction must come after what it corrects).
    groups: list[tuple[str | None, list[dict]]] = []
    for entry in manifest["files"]:
        if groups and groups[-1][0] == entry["source"]:
            groups[-1][1].append(entry)
        else:
            groups.append((entry["source"], [entry]))
    for source, entries in groups:
        args = [
            "ingest",
            "--json",
            *(["--source", source] if source else []),
            *(str(out / e["path"]) for e in entries),
        ]
        done = qcity(*args, env=env)
        assert "Traceback" not in done.stderr, done.stderr
        rejected = any(e["expected_status"] == "rejected" for e in entries)
        assert done.returncode == (1 if rejected else 0), done.stderr
        lines += [json.loads(x) for x in done.stdout.splitlines()]
    return out, manifest, lines, root / "w.duckdb"


def test_every_file_ends_as_the_manifest_says(generated) -> None:
    _, manifest, lines, _ = generated
    # The command loads in delivery order (modification time, then name), not the
    # manifest's: each file's line is found by its name.
    by_name = {line["file"]: line for line in lines}
    assert len(by_name) == len(lines) == len(manifest["files"])
    for entry in manifest["files"]:
        line = by_name[Path(entry["path"]).name]
        assert line["status"] == entry["expected_status"], (entry["path"], line)
        if line["status"] == "loaded":
            assert (line["rows_read"], line["rows_loaded"], line["rows_quarantined"]) == (
                entry["rows_read"],
                entry["rows_loaded"],
                entry["rows_quarantined"],
            ), entry["path"]
        if line["status"] == "rejected":
            assert line["error"] and Path(entry["path"]).name in line["error"]


def test_rejections_name_the_contract_rule(generated) -> None:
    _, manifest, _, warehouse = generated
    con = duckdb.connect(str(warehouse), read_only=True)
    got = dict(
        con.execute(
            "select file_name, reject_rule from audit.file_manifest where status = 'rejected'"
        ).fetchall()
    )
    for entry in manifest["files"]:
        if entry["expected_status"] == "rejected":
            assert got[Path(entry["path"]).name] == entry["reject_rule"], entry["path"]


def test_every_injected_row_defect_is_quarantined_under_its_rule(generated) -> None:
    _, manifest, _, warehouse = generated
    con = duckdb.connect(str(warehouse), read_only=True)
    for entry in manifest["files"]:
        if entry["expected_status"] != "loaded":
            continue
        rules = Counter(
            dict(
                con.execute(
                    "select q.rule, count(*) from audit.quarantine q join audit.file_manifest m "
                    "using (load_id) where m.file_name = ? and m.status = 'loaded' group by 1",
                    [Path(entry["path"]).name],
                ).fetchall()
            )
        )
        assert rules == Counter(entry["quarantine_rules"]), entry["path"]


def test_rows_are_conserved_for_every_loaded_file(generated) -> None:
    _, _, _, warehouse = generated
    con = duckdb.connect(str(warehouse), read_only=True)
    bad = con.execute(
        "select file_name from audit.file_manifest where status = 'loaded' "
        "and rows_read <> rows_loaded + rows_quarantined"
    ).fetchall()
    assert bad == []


def test_latest_versions_give_the_manifest_pass_counts(generated) -> None:
    """The four measured indicators' numerators and denominators, from the raw tables."""
    _, manifest, _, warehouse = generated
    con = duckdb.connect(str(warehouse), read_only=True)
    latest = "qualify row_number() over (partition by {key} order by _load_id desc) = 1"
    food = con.execute(f"""
        with m as (select * from raw.market_sampling {latest.format(key="sample_id")})
        select county_code, year(sampling_date)::varchar, count(*) filter (where verdict = 'pass'),
               count(*) from m where sampling_type in ('food', 'drug') group by all""").fetchall()
    expected = manifest["expected"]["QUAL_FOOD_DRUG_SAMPLING_PASS_RATE"]
    got = {(c, y): (p, t) for c, y, p, t in food}
    want = {
        (c, y): (v["passed"], v["total"])
        for c, years in expected.items()
        if c != "360900"
        for y, v in years.items()
    }
    assert got == want


def test_validation_runs_recorded_per_file(generated) -> None:
    _, manifest, _, warehouse = generated
    con = duckdb.connect(str(warehouse), read_only=True)
    runs = con.execute(
        "select count(*), count(*) filter (where success) from audit.validation_runs"
    ).fetchone()
    validated = [e for e in manifest["files"] if e["expected_status"] != "duplicate"]
    assert 0 < runs[0] <= len(validated)
    assert runs[1] < runs[0]  # defects were injected, so some runs failed
