"""docker-compose.bi.yml: the optional BI service, checked as data (no Docker needed)."""

from __future__ import annotations

from pathlib import Path

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.bi.yml"


def service() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["bi"]


def test_bi_service_mounts_the_serving_folder_read_only():
    mounts = service()["volumes"]
    serving = [m for m in mounts if m.endswith(":/data/serving:ro")]
    assert serving == ["${QCITY_SERVING_DIR:-./warehouse/serving}:/data/serving:ro"]
    # The folder, not the file: a publication replaces the file by rename.
    assert not any("qcity_serving.duckdb" in m for m in mounts)


def test_bi_service_never_mounts_the_warehouse_or_carries_a_password():
    text = COMPOSE.read_text(encoding="utf-8")
    assert "qcity.duckdb" not in text.replace("qcity_serving.duckdb", "")
    assert "PASSWORD" not in str(service().get("environment", {}))


def test_bi_service_sends_nothing_home():
    env = service()["environment"]
    assert env["MB_ANON_TRACKING_ENABLED"] == "false"
    assert env["MB_CHECK_FOR_UPDATES"] == "false"
