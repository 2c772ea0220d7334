"""The dbt manifest Cosmos renders the warehouse DAG from, built before Airflow parses it.

Parsing a DAG file must never run dbt (it would cost seconds on every parse), so the
warehouse DAG reads a `manifest.json` made beforehand by `dbt parse`: `make airflow`,
`make demo`, the tests and the Docker image call `ensure_manifest()`, which re-parses only
when a file of the dbt project is newer than the manifest. It lives in its own target
folder (`QCITY_DBT_MANIFEST_DIR`, default `dbt_project/target/cosmos/`), apart from the
`target/` a `qcity build` rewrites.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from qcity.settings import DBT_PROJECT_DIR, dbt_environment, dbt_manifest_dir, warehouse_path

_PROJECT_PARTS = ("models", "macros", "seeds", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml")


def manifest_dir() -> Path:
    return dbt_manifest_dir()


def manifest_path() -> Path:
    return manifest_dir() / "manifest.json"


def _newest_project_file() -> float:
    newest = 0.0
    for part in _PROJECT_PARTS:
        for path in (DBT_PROJECT_DIR / part).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    for name in _PROJECT_FILES:
        path = DBT_PROJECT_DIR / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
    return newest


def is_stale() -> bool:
    path = manifest_path()
    return not path.exists() or path.stat().st_mtime < _newest_project_file()


def ensure_manifest(force: bool = False) -> Path:
    """`dbt parse` into the manifest folder when the manifest is missing or stale."""
    path = manifest_path()
    if not force and not is_stale():
        return path
    target = manifest_dir()
    target.mkdir(parents=True, exist_ok=True)
    env = {
        **dbt_environment(os.environ),
        # The profile names the warehouse; parsing does not open it.
        "QCITY_WAREHOUSE": str(warehouse_path().resolve()),
        "DBT_LOG_PATH": str(target / "logs"),
    }
    command = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        "parse",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--quiet",
    ]
    done = subprocess.run(
        command, env=env, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not path.exists():
        raise RuntimeError(f"dbt parse failed:\n{done.stdout}\n{done.stderr}")
    path.touch()
    return path
