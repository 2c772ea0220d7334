"""docker-compose.yml describes the topology the topology test runs as processes."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from qcity.settings import warehouse_url
from tests.airflow.services import PROCESSES, WORKER

ROOT = Path(__file__).resolve().parents[2]
WORKERS = ("airflow-worker-1", "airflow-worker-2")
AIRFLOW_SERVICES = ("airflow-init", "airflow-apiserver", "airflow-scheduler", *WORKERS)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_the_same_airflow_processes_as_the_topology_test() -> None:
    services = compose()["services"]
    commands = {tuple(s.get("command") or ()) for s in services.values()}
    for args in [*PROCESSES.values(), WORKER]:
        assert tuple(args[:2] if args[0] == "celery" else args[:1]) in {c[:2] for c in commands} | {
            c[:1] for c in commands
        }, args
    assert {"postgres", "warehouse-db", "redis", "airflow-init"} <= set(services)


def test_compose_uses_celery_postgres_redis_and_the_warehouse_pool() -> None:
    data = compose()
    env = data["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379")
    init = " ".join(data["services"]["airflow-init"]["command"])
    # the pool's slots from qcity.settings (one for DuckDB, QCITY_WAREHOUSE_SLOTS for PG)
    assert "airflow db migrate" in init and "ensure_pool()" in init


def test_compose_configures_cosmos_as_make_airflow_does() -> None:
    from orchestration.local_airflow import COSMOS_SETTINGS

    env = compose()["x-airflow-common"]["environment"]
    assert {key: env.get(key) for key in COSMOS_SETTINGS} == COSMOS_SETTINGS


def test_the_warehouse_is_a_postgres_database_of_its_own() -> None:
    services = compose()["services"]
    warehouse = services["warehouse-db"]
    assert warehouse["image"].startswith("postgres:")
    assert warehouse["healthcheck"]["test"][1] == "pg_isready"
    own_volume = {v.split(":", 1)[0] for v in warehouse["volumes"]}
    assert own_volume.isdisjoint(v.split(":", 1)[0] for v in services["postgres"]["volumes"])
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["warehouse-db"] == {"condition": "service_healthy"}


def test_every_airflow_service_loads_into_the_warehouse_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = compose()["services"]
    for name in AIRFLOW_SERVICES:
        env = services[name]["environment"]
        url = env["QCITY_WAREHOUSE"]
        assert "@warehouse-db:5432/" in url, name
        monkeypatch.setenv("QCITY_WAREHOUSE", url)
        assert warehouse_url() == url, name  # qcity reads it as the PostgreSQL warehouse
        assert env["PGPASSWORD"] == "${WAREHOUSE_DB_PASSWORD:?set WAREHOUSE_DB_PASSWORD}", name
        assert env["QCITY_WAREHOUSE_SLOTS"].startswith("${QCITY_WAREHOUSE_SLOTS:-"), name
        assert env["QCITY_LANDING"] == "/data/landing", name


def test_no_password_is_in_the_file_only_references_to_the_environment() -> None:
    data = compose()
    environments = [data["x-airflow-common"]["environment"]]
    environments += [s.get("environment") or {} for s in data["services"].values()]
    for env in environments:
        for key, value in env.items():
            value = str(value)
            if "://" in value:  # a URL names its password, if at all, by reference
                password = urlsplit(value.removeprefix("db+")).password
                assert password is None or password.startswith("${"), key
            if re.search(r"PASSWORD|SECRET|FERNET", key):
                assert value.startswith("${"), key
    env = data["x-airflow-common"]["environment"]
    assert urlsplit(env["QCITY_WAREHOUSE"]).password is None  # libpq's PGPASSWORD instead
    warehouse_env = data["services"]["warehouse-db"]["environment"]
    assert warehouse_env["POSTGRES_PASSWORD"] == env["PGPASSWORD"]  # the same reference


def test_two_celery_workers_each_with_a_hostname_of_its_own() -> None:
    services = compose()["services"]
    workers = {
        n: s
        for n, s in services.items()
        if tuple(s.get("command") or ())[:2] == ("celery", "worker")
    }
    assert sorted(workers) == sorted(WORKERS)
    assert len({s["hostname"] for s in workers.values()}) == 2
    for name, service in workers.items():
        assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert service["stop_grace_period"], name  # a running load finishes its transaction
        assert {"/data/landing", "/data/archive", "/data/rejected", "/data/build"} <= {
            v.rsplit(":", 1)[1] for v in service["volumes"]
        }, name


def test_landing_archive_and_build_are_volumes_of_every_airflow_service() -> None:
    data = compose()
    mounts = {v.rsplit(":", 1)[1] for v in data["x-airflow-common"]["volumes"]}
    assert {"/data/landing", "/data/archive", "/data/rejected", "/data/build"} <= mounts
    env = data["x-airflow-common"]["environment"]
    assert env["QCITY_LANDING"] == "/data/landing"


def test_the_image_installs_from_the_lock_and_builds_the_manifest() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "uv sync --frozen --no-dev" in text
    assert "ensure_manifest" in text
