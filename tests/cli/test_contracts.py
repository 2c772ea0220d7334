"""`qcity contracts sync`: the committed artifacts are what the contracts generate, and a new
source is one YAML file away (its raw table, suite, staging models, DAG, landing folder and
freshness row appear with no code change)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qcity.contract_sync import HEADER, artifacts, stale
from qcity.settings import PROJECT_ROOT
from tests.qcity_cli import run_qcity

NAME = "noise_monitoring"
GROUP = "ecology"

#: A source no code knows: a new department's export under a new dbt staging group.
THROW_AWAY_CONTRACT = f"""\
name: {NAME}
title_zh: 生态环境局噪声监测
title_en: Ecology noise monitoring
short_title_zh: 噪声监测
short_title_en: Noise monitoring
department_code: YC_ECOLOGY_ENVIRONMENT
cadence_days: 14
quarantine_alert_share: 0.05
staging_group: {GROUP}
natural_key: [site_code, measured_on]
date_column: measured_on
quarantine_threshold: 0.20
columns:
  - name: site_code
    required: true
    aliases: [监测点编号]
  - name: county_code
    type: county
    required: true
    aliases: [所属县区]
  - name: measured_on
    type: date
    required: true
    not_after_load: true
    aliases: [监测日期]
  - name: level_db
    type: number
    min_value: 0
    aliases: [等效声级（dB）]
  - name: exceeded
    type: boolean
    derived: true
  - name: verdict
    type: verdict
    aliases: [评价结论]
  - name: remarks
    aliases: [备注]
"""


def test_committed_artifacts_are_what_the_contracts_generate() -> None:
    result = run_qcity("contracts", "sync", "--check", in_process=True)
    assert result.returncode == 0, result.stderr
    assert stale() == []


def test_every_generated_text_file_says_so_and_is_stable() -> None:
    first, second = artifacts(), artifacts()
    assert first == second
    paths = [a.path.as_posix() for a in first]
    assert paths == sorted(paths) and len(paths) == len(set(paths))
    for artifact in first:
        if artifact.path.suffix in (".sql", ".yml"):
            assert HEADER.split("{")[0] in artifact.text.split("\n", 1)[0], artifact.path
        elif artifact.path.suffix == ".json":
            assert HEADER.split("{")[0] in artifact.text, artifact.path


def _copy_project(target: Path) -> None:
    """The project's files as git sees them (committed or not, ignored ones left out)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT_ROOT / name
        if not source.is_file():
            continue  # deleted in the work tree
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(source.read_bytes())


PROBE = textwrap.dedent(
    """
    import json, os, sys
    from datetime import date
    from pathlib import Path

    import duckdb

    from ingestion.contracts.loader import SOURCES_DIR
    from orchestration.freshness import compute_freshness
    from orchestration.folders import Folders
    from orchestration.steps import list_landing
    from warehouse.schema import ensure_schema

    name = sys.argv[1]
    assert str(SOURCES_DIR).startswith(os.getcwd()), SOURCES_DIR  # the copy's contracts
    con = duckdb.connect(os.environ["QCITY_WAREHOUSE"])
    ensure_schema(con)
    tables = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ).fetchall()]
    rows = [r.as_dict() for r in compute_freshness(con, date(2026, 1, 1)) if r.source == name]
    con.close()
    list_landing(name)
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(Path("dags") / "qcity_ingest.py"))
    print(json.dumps({
        "raw_tables": tables,
        "freshness": rows,
        "landing": Folders.from_env().landing_dir(name).is_dir(),
        "dag_ids": sorted(bag.dag_ids),
        "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
    }))
    """
)


@pytest.mark.slow
def test_a_new_contract_needs_no_code_change(tmp_path: Path) -> None:
    import json

    project = tmp_path / "project"
    _copy_project(project)
    (project / "ingestion/contracts/sources" / f"{NAME}.yaml").write_text(
        THROW_AWAY_CONTRACT, encoding="utf-8"
    )
    from orchestration.local_airflow import airflow_env

    env = {
        **os.environ,
        **airflow_env(tmp_path / "airflow"),
        "PYTHONPATH": str(project),
        "QCITY_WAREHOUSE": str(tmp_path / "qcity.duckdb"),
        "QCITY_LANDING": str(tmp_path / "landing"),
        "QCITY_BUILD_DIR": str(tmp_path / "build"),
        "GX_ANALYTICS_ENABLED": "false",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    env.pop("QCITY_DBT_MANIFEST_DIR", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=project, env=env, capture_output=True, text=True, timeout=600
        )

    qcity = [sys.executable, "-m", "qcity.cli", "contracts", "sync"]
    check = run(*qcity, "--check")
    assert check.returncode == 1, check.stderr
    staging = f"dbt_project/models/staging/{GROUP}"
    for path in (
        f"expectations/gx/expectations/{NAME}.json",
        f"{staging}/_{GROUP}__sources.yml",
        f"{staging}/base/base_{GROUP}__{NAME}.sql",
        f"{staging}/stg_{GROUP}__{NAME}.sql",
        "dbt_project/seeds/data_sources.csv",
        "dbt_project/macros/personal_data_rules.sql",
        "expectations/gx/great_expectations.yml",
    ):
        assert path in check.stderr, path
    assert "Traceback" not in check.stderr

    synced = run(*qcity)
    assert synced.returncode == 0, synced.stderr
    assert (project / f"expectations/gx/expectations/{NAME}.json").is_file()
    again = run(*qcity, "--check")
    assert again.returncode == 0, again.stderr  # a sync is complete and stable
    assert NAME in (project / "dbt_project/seeds/data_sources.csv").read_text(encoding="utf-8")

    probe = run(sys.executable, "-c", PROBE, NAME)
    assert probe.returncode == 0, probe.stderr
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert NAME in seen["raw_tables"]
    [row] = seen["freshness"]
    assert (row["department"], row["cadence_days"], row["is_overdue"]) == ("市生态环境局", 14, True)
    assert seen["landing"] is True
    assert seen["import_errors"] == {}
    assert f"qcity_ingest_{NAME}" in seen["dag_ids"]

    dbt = Path(sys.executable).with_name("dbt")
    built = run(
        str(dbt),
        "build",
        "--select",
        f"base_{GROUP}__{NAME}",
        f"stg_{GROUP}__{NAME}",
        "--project-dir",
        "dbt_project",
        "--profiles-dir",
        "dbt_project",
        "--target-path",
        str(tmp_path / "dbt_target"),
        "--log-path",
        str(tmp_path / "dbt_logs"),
    )
    assert built.returncode == 0, built.stdout[-3000:]
    import duckdb

    con = duckdb.connect(env["QCITY_WAREHOUSE"], read_only=True)
    try:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_name = ? order by ordinal_position",
                [f"stg_{GROUP}__{NAME}"],
            ).fetchall()
        ]
    finally:
        con.close()
    assert {"site_code", "is_exceeded", "is_passed", "load_id", "source_row_number"} <= set(columns)
