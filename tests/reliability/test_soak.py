"""A drop of many files of every source and defect, all processed through the ingestion DAGs.

`make bench` runs 200 files; CI runs QCITY_SOAK_FILES (default 60). The soak runs in its
own process because it configures Airflow and the folders through the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.shared import prepared_airflow


@pytest.mark.slow
def test_many_files_at_once_are_all_processed_with_rows_conserved(
    tmp_path, tmp_path_factory
) -> None:
    files = int(os.environ.get("QCITY_SOAK_FILES", "60"))
    # The run's migrated metadata database and dbt manifest: the soak's own `prepare` finds
    # them current instead of migrating and parsing again.
    prepared_airflow(tmp_path_factory, tmp_path / "airflow", tmp_path / "dbt-manifest")
    env = {
        **os.environ,
        "QCITY_BENCH_SOAK_FILES": str(files),
        "QCITY_BENCH_SOAK_ROWS": "500",
        "QCITY_SOAK_JSON": "1",
        "TMPDIR": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "QCITY_DBT_MANIFEST_DIR": str(tmp_path / "dbt-manifest"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["files"] >= files
    assert sum(result["outcomes"].values()) == result["files"]  # one outcome per file
    assert result["outcomes"].get("loaded", 0) > result["files"] // 3
    assert result["outcomes"].get("rejected", 0) > 0  # the generator injects broken files
    assert result["conservation_failures"] == []
    assert result["left_in_landing"] == []
