"""The production topology without containers: Airflow processes against PostgreSQL and Redis.

`Topology` runs what `docker-compose.yml` runs, as local processes: the metadata database in
its own PostgreSQL database (created here, dropped at the end), Celery's broker in Redis
under a key prefix of its own (its keys deleted at the end), the api-server, scheduler,
dag-processor and triggerer, and Celery workers started and stopped apart from them
(`Topology.workers`): each worker its own process, node name, temporary folder (`TMPDIR`),
log-server port, log, and environment on top of the topology's (the warehouse it loads
into). Every process is in its own process group so that stopping it stops its children
too. Every wait is bounded; `stop()` is safe to call at any point and kills whatever is
still running.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.local_airflow import COSMOS_SETTINGS, DAGS_FOLDER, NO_TRACKING, PROJECT_ROOT

#: See orchestration/celery_compat/sitecustomize.py (Celery 5.7 vs the Celery provider).
CELERY_COMPAT = PROJECT_ROOT / "orchestration" / "celery_compat"
#: As docker-compose.yml sets it: workers preload what tasks import (orchestration.preload).
CELERY_CONFIG_OPTIONS = "orchestration.celery_config.CELERY_CONFIG"

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
API_USER = "qcity"

PROCESSES = {
    "api-server": ["api-server", "--port", "{api_port}"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
}
#: A Celery worker (`Topology.workers` adds its node name and concurrency).
WORKER = ["celery", "worker", "--without-mingle", "--without-gossip"]

#: What the Celery provider logs for each task a worker takes: the task instance's id.
_EXECUTING = re.compile(r"Executing workload in Celery: .*?\bti=\w+\(id=UUID\('([0-9a-f-]{36})'\)")


def _timed_out(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


class ServicesUnavailable(RuntimeError):
    """PostgreSQL or Redis cannot be reached."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_services() -> None:
    import psycopg2
    import redis

    try:
        psycopg2.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3
        ).close()
    except psycopg2.Error as exc:
        raise ServicesUnavailable(f"PostgreSQL at {PG_HOST}:{PG_PORT}: {exc}".strip()) from exc
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=3).ping()
    except redis.RedisError as exc:
        raise ServicesUnavailable(f"Redis at {REDIS_HOST}:{REDIS_PORT}: {exc}") from exc


def _admin(sql: str) -> None:
    import psycopg2

    con = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres")
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


@dataclass
class Worker:
    """One Celery worker process: its node name, folder (its TMPDIR and log) and process."""

    name: str
    folder: Path
    process: subprocess.Popen
    stopped: bool = False

    @property
    def log(self) -> Path:
        return self.folder / "worker.log"

    def ready(self) -> bool:
        """Celery's "<node> ready." line is in the log: the worker takes tasks."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return re.search(rf"{re.escape(self.name)}@\S+ ready\.", text) is not None

    def task_instance_ids(self) -> set[str]:
        """The ids of the task instances this worker executed, from its own log."""
        return set(_EXECUTING.findall(self.log.read_text(errors="replace")))


@dataclass
class Topology:
    base: Path
    qcity_env: dict[str, str]
    database: str = field(default_factory=lambda: f"qcity_airflow_{uuid.uuid4().hex[:10]}")
    key_prefix: str = field(default_factory=lambda: f"qcity-test-{uuid.uuid4().hex[:10]}:")
    api_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    started_workers: list[Worker] = field(default_factory=list)
    created_database: bool = False
    _token: str | None = None

    @property
    def home(self) -> Path:
        return self.base / "airflow"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def env(self) -> dict[str, str]:
        sql = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"
        keep = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        python_path = os.pathsep.join(
            p for p in (str(CELERY_COMPAT), os.environ.get("PYTHONPATH", "")) if p
        )
        return {
            **keep,
            "PYTHONPATH": python_path,
            **NO_TRACKING,
            **self.qcity_env,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sql,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": self.async_url(),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/0",
            "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": CELERY_CONFIG_OPTIONS,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": self.key_prefix,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api}/execution/",
            "AIRFLOW__API__BASE_URL": self.api,
            "AIRFLOW__API__PORT": str(self.api_port),
            # Secrets of this run only: made here, never written to the repository.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{API_USER}:admin",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            # Runs come from the REST API only: no scheduled or Asset-triggered runs
            # competing with the ones the test starts.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            # The DAG files do not change during a test: each is parsed once, not again
            # every 30 s (an 8-minute module parsed its four files 64 times, ~1 s each).
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "3600",
            **COSMOS_SETTINGS,
            "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        }

    def async_url(self) -> str:
        """Airflow 3 also opens an async engine on the metadata database at start-up.

        For PostgreSQL that needs `asyncpg`, which the lock does not have yet (it comes with
        `apache-airflow-providers-postgres`). Without it, the async engine points at a
        scratch SQLite file: in Airflow 3.3 only multi-team lookups, the "wait for a DAG
        run" endpoint and the task state store use it, and none of the DAGs here do.
        """
        if importlib.util.find_spec("asyncpg"):
            return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"
        return f"sqlite+aiosqlite:///{self.home / 'async-engine-unused.db'}"

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self._env = self.env()
        _admin(f'create database "{self.database}"')
        self.created_database = True
        self.airflow("db", "migrate", timeout=300)
        for name, args in PROCESSES.items():
            self.processes[name] = self._spawn(
                [a.format(api_port=self.api_port) for a in args],
                self._env,
                self.base / f"{name}.log",
            )
        self.wait_for("the api-server", self._api_up, timeout=180)

    def _spawn(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with log.open("w") as out:
            return subprocess.Popen(
                [self._airflow_bin(), *args],
                env=env,
                cwd=self.base,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def set_pool(self, env: dict[str, str]) -> None:
        """The warehouse pool with the slots the warehouse in `env` gets
        (`orchestration.local_airflow.ensure_pool`, as docker-compose.yml's init does)."""
        code = "from orchestration.local_airflow import ensure_pool; ensure_pool()"
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={**self._env, **env},
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"ensure_pool: {done.stdout}\n{done.stderr}")

    @contextlib.contextmanager
    def workers(
        self, count: int, env: dict[str, str], concurrency: int = 2
    ) -> Iterator[list[Worker]]:
        """`count` Celery workers of `concurrency` task processes each, loading into the
        warehouse `env` names (the pool set for it first), stopped when the block ends."""
        self.set_pool(env)
        started = []
        try:
            for i in range(1, count + 1):
                name = f"worker{i}-{uuid.uuid4().hex[:6]}"
                folder = self.base / name
                (folder / "tmp").mkdir(parents=True)
                worker_env = {
                    **self._env,
                    **env,
                    "TMPDIR": str(folder / "tmp"),
                    "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                }
                args = [*WORKER, "--concurrency", str(concurrency)]
                args += ["--celery-hostname", f"{name}@%h"]
                process = self._spawn(args, worker_env, folder / "worker.log")
                started.append(Worker(name, folder, process))
                self.started_workers.append(started[-1])
            for worker in started:  # tasks queued before a worker is up would all go to one
                self.wait_for(f"{worker.name} to be ready", worker.ready, timeout=180)
            yield started
        finally:
            with contextlib.suppress(Exception):  # the api-server may be what failed
                self.end_runs()  # nothing left for the next test's workers to pick up
            self._terminate([w.process for w in started])
            for worker in started:
                worker.stopped = True

    def stop(self) -> None:
        """Stop every process this topology started, then drop its database and keys."""
        self._terminate(list(self._every_process().values()))
        if self.created_database:
            _admin(f'drop database if exists "{self.database}" with (force)')
            self.created_database = False
        self._delete_keys()

    @staticmethod
    def _terminate(processes: list[subprocess.Popen]) -> None:
        """SIGTERM each process group, SIGKILL what is left after 20 seconds."""
        for proc in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        for proc in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)

    def _every_process(self) -> dict[str, subprocess.Popen]:
        """The services and every worker ever started, by name."""
        return {**self.processes, **{w.name: w.process for w in self.started_workers}}

    def still_running(self) -> list[str]:
        running = []
        for name, proc in self._every_process().items():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, 0)  # signal 0: does any process of the group remain?
                running.append(name)
        return running

    def _delete_keys(self) -> None:
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=5)
        keys = list(client.scan_iter(match=f"{self.key_prefix}*", count=500))
        if keys:
            client.delete(*keys)

    # -- helpers ---------------------------------------------------------------------------

    def _airflow_bin(self) -> str:
        return str(Path(sys.executable).parent / "airflow")

    def airflow(self, *args: str, timeout: float) -> None:
        done = subprocess.run(
            [self._airflow_bin(), *args],
            env=self._env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"airflow {' '.join(args)}: {done.stdout}\n{done.stderr}")

    def wait_for(self, what: str, check, timeout: float, every: float = 2.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = {w.name: w.process for w in self.started_workers if not w.stopped}
            dead = [n for n, p in {**self.processes, **live}.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"{', '.join(dead)} exited while waiting for {what}")
            value = check()
            if value:
                return value
            time.sleep(every)
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")

    def _api_up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api}/api/v2/monitor/health", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def request(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def token(self) -> str:
        if self._token is None:
            passwords = self.home / "simple_auth_manager_passwords.json.generated"
            password = json.loads(passwords.read_text())[API_USER]
            request = urllib.request.Request(
                f"{self.api}/auth/token",
                data=json.dumps({"username": API_USER, "password": password}).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                self._token = json.loads(response.read())["access_token"]
        return self._token

    def dag_parsed(self, dag_id: str) -> bool:
        try:
            self.request("GET", f"/api/v2/dags/{dag_id}")
            return True
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise

    def trigger(self, dag_id: str) -> str:
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        quoted = urllib.parse.quote(run_id, safe="")
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{quoted}")["state"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        def finished() -> str | None:
            try:
                state = self.run_state(dag_id, run_id)
            except (TimeoutError, urllib.error.URLError) as exc:
                if isinstance(exc, urllib.error.HTTPError) or not _timed_out(exc):
                    raise
                return None  # an api-server slow to answer (a loaded machine): ask again
            return state if state in ("success", "failed") else None

        return self.wait_for(f"{dag_id} run {run_id}", finished, timeout=timeout, every=3)

    def end_runs(self) -> None:
        """Mark every DAG run still queued or running failed (its unfinished tasks with it)."""
        found = self.request("GET", "/api/v2/dags/~/dagRuns?state=queued&state=running&limit=100")
        for run in found["dag_runs"]:
            quoted = urllib.parse.quote(run["dag_run_id"], safe="")
            self.request(
                "PATCH", f"/api/v2/dags/{run['dag_id']}/dagRuns/{quoted}", {"state": "failed"}
            )

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """The run's task instances as the REST API gives them (id, state, hostname, …)."""
        quoted = urllib.parse.quote(run_id, safe="")
        found: list[dict] = []
        while True:  # the API gives at most [api] maximum_page_limit (100) per page
            page = self.request(
                "GET",
                f"/api/v2/dags/{dag_id}/dagRuns/{quoted}/taskInstances"
                f"?limit=100&offset={len(found)}",
            )
            found += page["task_instances"]
            if not page["task_instances"] or len(found) >= page["total_entries"]:
                return found

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        return {
            f"{t['task_id']}[{t['map_index']}]": t["state"]
            for t in self.task_instances(dag_id, run_id)
        }

    def logs_tail(self, lines: int = 40) -> str:
        out = []
        logs = {name: self.base / f"{name}.log" for name in self.processes}
        logs.update({w.name: w.log for w in self.started_workers})
        for name, path in logs.items():
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(out)
