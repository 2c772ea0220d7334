"""docker-compose.yml describes the topology the topology test runs as processes."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.airflow.services import PROCESSES

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_the_same_airflow_processes_as_the_topology_test() -> None:
    services = compose()["services"]
    commands = {tuple(s.get("command") or ()) for s in services.values()}
    for args in PROCESSES.values():
        assert tuple(args[:2] if args[0] == "celery" else args[:1]) in {c[:2] for c in commands} | {
            c[:1] for c in commands
        }, args
    assert {"postgres", "redis", "airflow-init"} <= set(services)


def test_compose_uses_celery_postgres_redis_and_the_warehouse_pool() -> None:
    data = compose()
    env = data["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379")
    init = " ".join(data["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in init and "pools set qcity_warehouse 1" in init


def test_landing_and_warehouse_are_volumes_of_every_airflow_service() -> None:
    data = compose()
    mounts = {v.rsplit(":", 1)[1] for v in data["x-airflow-common"]["volumes"]}
    assert {"/data/landing", "/data/archive", "/data/rejected", "/data/warehouse"} <= mounts
    env = data["x-airflow-common"]["environment"]
    assert env["QCITY_LANDING"] == "/data/landing"
    assert env["QCITY_WAREHOUSE"].startswith("/data/warehouse/")


def test_the_image_installs_from_the_lock_and_builds_the_manifest() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --frozen --no-dev" in text
    assert "ensure_manifest" in text
