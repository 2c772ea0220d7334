"""The project-local Airflow: its environment, database, pool, and running DAGs in-process.

Used by `make airflow` (`python -m orchestration.local_airflow standalone`), `make demo`,
the tests and the benchmark. `AIRFLOW_HOME` defaults to `.airflow/` in the project, with
SQLite as metadata database and the LocalExecutor (Airflow 3 allows both together), the
DAGs from `dags/`, no example DAGs, and nothing sent home.

Airflow reads its configuration when first imported, so `configure()` must run before
anything imports `airflow`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

from orchestration.pools import (
    WAREHOUSE_POOL,
    WAREHOUSE_POOL_DESCRIPTION,
    warehouse_pool_slots,
)
from qcity.settings import DEFAULT_AIRFLOW_HOST, PROJECT_ROOT, airflow_host

DAGS_FOLDER = PROJECT_ROOT / "dags"

#: Never phone home (also exported by the Makefile): no Scarf, no dbt or GX analytics.
NO_TRACKING = {
    "SCARF_ANALYTICS": "false",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
}

#: Cosmos, wherever the warehouse DAG runs (docker-compose.yml sets the same): no `dbt ls`
#: cache, no lineage log noise, and no XCom backup of the watcher build. That backup lets a
#: retried build restore what it reported; our dbt tasks never retry (orchestration.
#: cosmos_dbt), and Cosmos writes it by re-saving every result so far to an Airflow Variable
#: on each result, ~200 ever larger writes a build (9 s of the Airflow end-to-end tests' CPU).
COSMOS_SETTINGS = {
    "AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS": "False",
    "AIRFLOW__COSMOS__PROPAGATE_LOGS": "False",
    "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "False",
}


#: `make airflow`'s UI listens on this machine only (qcity.settings.airflow_host).
DEFAULT_API_HOST = DEFAULT_AIRFLOW_HOST
API_PORT = 8080
LOGIN_FILE = "simple_auth_manager_passwords.json.generated"


def api_host() -> str:
    return airflow_host()


def airflow_home() -> Path:
    value = os.environ.get("AIRFLOW_HOME")
    return Path(value).resolve() if value else PROJECT_ROOT / ".airflow"


def airflow_env(home: Path | None = None, sql_alchemy_conn: str | None = None) -> dict[str, str]:
    """The variables that make Airflow the project's own (on top of the caller's)."""
    home = (home or airflow_home()).resolve()
    return {
        **NO_TRACKING,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # LocalExecutor, with validation imported once before its workers fork.
        "AIRFLOW__CORE__EXECUTOR": "orchestration.executor.PreloadingLocalExecutor",
        "AIRFLOW__API__HOST": api_host(),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql_alchemy_conn or f"sqlite:///{home}/airflow.db",
        # New DAGs run as soon as they are seen: dropping a file is all a department does.
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE": "True",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        **COSMOS_SETTINGS,
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "qcity",
    }


def configure(home: Path | None = None, sql_alchemy_conn: str | None = None) -> dict[str, str]:
    """Put the project-local Airflow settings into this process's environment."""
    if "airflow" in sys.modules:
        raise RuntimeError("configure() must run before airflow is imported")
    env = airflow_env(home, sql_alchemy_conn)
    os.environ.update(env)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    return env


def airflow_command(
    *args: str, env: dict[str, str] | None = None, check: bool = True, quiet: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `airflow ...` with this interpreter's Airflow and the given environment."""
    command = [str(Path(sys.executable).parent / "airflow"), *args]
    done = subprocess.run(
        command,
        env={**os.environ, **(env or {})},
        capture_output=quiet,
        text=True,
        check=False,
    )
    if check and done.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


def _migrated_marker(env: dict[str, str] | None) -> Path | None:
    """For SQLite: a file beside the database naming the Airflow version it was migrated by."""
    conn = (env or os.environ).get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "")
    if not conn.startswith("sqlite:///"):
        return None
    return Path(conn.removeprefix("sqlite:///") + ".migrated")


def _airflow_version() -> str:
    from importlib.metadata import version

    return version("apache-airflow")


def migrate(env: dict[str, str] | None = None) -> None:
    """`airflow db migrate`, skipped for a SQLite database this Airflow version migrated."""
    marker = _migrated_marker(env)
    database = marker.with_suffix("") if marker else None
    current = (
        marker is not None
        and database is not None
        and database.exists()
        and marker.exists()
        and marker.read_text().strip() == _airflow_version()
    )
    if current:
        return
    airflow_command("db", "migrate", env=env)
    if marker:
        marker.write_text(_airflow_version())


def ensure_pool(env: dict[str, str] | None = None) -> None:
    """The warehouse pool, one slot for DuckDB, the configured number for PostgreSQL
    (Airflow 3 does not schedule tasks of unknown pools)."""
    slots = warehouse_pool_slots()
    if "airflow" in sys.modules:  # configured in this process already: no second interpreter
        from airflow.models.pool import Pool

        Pool.create_or_update_pool(
            WAREHOUSE_POOL, slots, WAREHOUSE_POOL_DESCRIPTION, include_deferred=False
        )
        return
    airflow_command("pools", "set", WAREHOUSE_POOL, str(slots), WAREHOUSE_POOL_DESCRIPTION, env=env)


def prepare(env: dict[str, str] | None = None, pool: bool = True) -> None:
    """Everything Airflow needs before it starts: dbt manifest, database, pool."""
    from orchestration.dbt_manifest import ensure_manifest

    ensure_manifest()
    migrate(env)
    if pool:
        ensure_pool(env)


def load_dags(dag_ids: Iterable[str] | None = None) -> dict:
    """The project's DAGs parsed from `dags/`, failing on any import error."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    if dag_ids is None:
        return dict(bag.dags)
    return {dag_id: bag.dags[dag_id] for dag_id in dag_ids}


def run_dag(dag, **kwargs):
    """`dag.test()` it; returns (state, seconds)."""
    started = time.perf_counter()
    run = dag.test(**kwargs)
    return run, time.perf_counter() - started


def keep_login_private(home: Path) -> Path:
    """The simple auth manager's password file readable by its owner only (0600).

    Airflow writes it with the process umask (0644 usually: anyone on the machine could
    log in as admin). Airflow and its components run with an owner-only umask instead,
    which also covers the metadata database and logs; a file from an earlier run is
    tightened. Returns the file's path.
    """
    os.umask(os.umask(0o077) | 0o077)
    password_file = home / LOGIN_FILE
    if password_file.exists():
        password_file.chmod(0o600)
    return password_file


def standalone() -> None:
    """`make airflow`: prepare, then `airflow standalone` (UI on 127.0.0.1:8080 by default)."""
    env = configure()
    password_file = keep_login_private(Path(env["AIRFLOW_HOME"]))
    prepare(env)
    host = env["AIRFLOW__API__HOST"]
    shown = "localhost" if host == DEFAULT_API_HOST else host
    print(
        f"Airflow home: {env['AIRFLOW_HOME']}\n"
        f"DAGs: {DAGS_FOLDER}\n"
        f"UI: http://{shown}:{API_PORT} (listening on {host}; QCITY_AIRFLOW_HOST to change) "
        "— the login (user admin) is printed below by "
        f"`airflow standalone` and kept in {password_file}",
        flush=True,
    )
    bin_dir = str(Path(sys.executable).parent)
    airflow = shutil.which("airflow", path=bin_dir)
    assert airflow, "airflow is not installed in this environment"
    # `standalone` starts its components as `airflow ...` from PATH: this environment's.
    os.environ["PATH"] = os.pathsep.join([bin_dir, os.environ.get("PATH", "")])
    os.execv(airflow, [airflow, "standalone"])


if __name__ == "__main__":
    if sys.argv[1:] == ["standalone"]:
        standalone()
    elif sys.argv[1:] == ["prepare"]:
        prepare(configure())
    else:
        sys.exit("usage: python -m orchestration.local_airflow standalone|prepare")
