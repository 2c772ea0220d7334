"""The dbt project as an Airflow task group, rendered by Cosmos from the prebuilt manifest.

`LoadMode.DBT_MANIFEST` reads `orchestration.dbt_manifest.manifest_path()`: parsing the
DAG file never runs dbt. Every model, seed and each model's tests become their own task.

Two execution modes, chosen by `QCITY_DBT_EXECUTION` (read when the DAG file is parsed):

* `watcher` (default): one `dbt build` in a producer task; each model's task then shows
  that model's result from the build, and each model's test task its tests' results.
  On DuckDB the build is `qcity build`'s: only what new loads touched
  (`build_what_new_loads_touched`); the tasks of models it left out are skipped.
  The producer is made upstream of the model tasks here: in a `DbtDag` Cosmos lets the
  model tasks start alongside the build and stream results, but inside a task group
  nothing orders them, and `dag.test()` (one task at a time) would wait forever on a model
  task started before the build. Only the producer writes DuckDB, so only it takes the
  warehouse pool's slot; the model tasks just read the build's results and run in parallel.
  No dbt task retries: Cosmos runs a watcher build once (a retried producer skips itself),
  and a retried model task would fall back to running its model with dbt outside the pool.
  A failed build is retried by running the DAG again; `dbt build` is idempotent.
* `local`: one dbt invocation per model, seed and test task, each in the pool, so one
  after another; they keep the usual retries.

`benchmarks/airflow_bench.py` measures both; the warehouse DAG's doc gives the figures.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from orchestration.dbt_manifest import DBT_PROJECT_DIR, manifest_path
from orchestration.pools import WAREHOUSE_POOL
from qcity.settings import DBT_DEFAULTS, dbt_execution

MODES = ("watcher", "local")


def execution_mode() -> str:
    mode = dbt_execution()
    if mode not in MODES:
        raise ValueError(f"QCITY_DBT_EXECUTION must be one of {MODES}, not {mode!r}")
    return mode


def point_dbt_at_the_warehouse(context: Any = None) -> None:
    """Before a dbt task runs: the profile's variables name the warehouse, in this process.

    A DuckDB warehouse: `QCITY_WAREHOUSE` as an absolute path (dbt runs in a copy of the
    project elsewhere). A PostgreSQL warehouse: the `QCITY_PG_*` variables of the profile's
    postgres target, as libpq resolved the URL (the password stays where libpq found it).
    Resolved in the process that runs the task, never frozen when the DAG file was parsed.
    """
    from qcity.settings import warehouse_path, warehouse_url

    url = warehouse_url()
    if url is None:
        os.environ["QCITY_WAREHOUSE"] = str(warehouse_path().resolve())
        return
    import psycopg2

    from warehouse.postgres_copy import PostgresSettings

    con = psycopg2.connect(url)
    try:
        os.environ.update(PostgresSettings.of_connection(con).dbt_environment())
    finally:
        con.close()


def dbt_target() -> str:
    """The profile target of the warehouse's engine: dbt builds where the loads write."""
    from qcity.settings import warehouse_url

    return "postgres" if warehouse_url() else "duckdb"


def dbt_task_group(group_id: str = "dbt", mode: str | None = None) -> Any:
    """The Cosmos `DbtTaskGroup` of the whole project, in the current DAG."""
    from cosmos import (
        DbtTaskGroup,
        ExecutionConfig,
        ProfileConfig,
        ProjectConfig,
        RenderConfig,
    )
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    mode = mode or execution_mode()
    group = DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=manifest_path(),
            project_name="qcity",
            install_dbt_deps=False,
            env_vars=DBT_DEFAULTS,
        ),
        profile_config=ProfileConfig(
            profile_name="qcity",
            target_name=dbt_target(),
            profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            # Exposures document the dashboards; there is nothing to run for them.
            exclude=["resource_type:exposure"],
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.WATCHER if mode == "watcher" else ExecutionMode.LOCAL,
            # dbt runs inside the task's own process: no second interpreter start per task.
            invocation_mode=InvocationMode.DBT_RUNNER,
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
            # watcher: the producer alone writes DuckDB, and builds what new loads touched
            setup_operator_args={
                "pool": WAREHOUSE_POOL,
                "interceptors": [build_what_new_loads_touched],
            }
            if mode == "watcher"
            else None,
        ),
        operator_args={
            "emit_datasets": False,
            "pre_execute": point_dbt_at_the_warehouse,
            **({"retries": 0} if mode == "watcher" else {"pool": WAREHOUSE_POOL}),
        },
    )
    if mode == "watcher":
        _producer_first(group)
    return group


def build_what_new_loads_touched(context: Any, producer: Any) -> None:
    """Make the watcher build `qcity build`'s build (a Cosmos interceptor, run just before
    the dbt command is made): the project's hash as var `project_hash`, so the watermark
    says which code built it; and on DuckDB, after a complete build of the same code, only
    what is downstream of the sources with new loads (`warehouse.dbt_build.
    new_loads_build`, the same rules and the same watermark as the command line). The
    tasks of the models it leaves out are skipped (`_skip_when_not_built`).
    """
    from qcity.settings import warehouse_path
    from warehouse.dbt_build import new_loads_build, project_hash

    project = project_hash()
    producer.vars = {**(producer.vars or {}), "project_hash": project}
    if dbt_target() != "duckdb":
        return
    new_loads = new_loads_build(warehouse_path().resolve(), project)
    if new_loads is None:
        return
    producer.select = " ".join(new_loads.select)
    producer.exclude = " ".join(filter(None, [producer.exclude, *new_loads.exclude]))
    producer.env = {**(producer.env or {}), **new_loads.env}


def _skip_when_not_built(task: Any) -> None:
    """A model or test task whose node the (finished) build did not run is skipped at once.

    The build runs before every such task (`_producer_first`), so no result means that the
    build left the node out: nothing new reached it. Cosmos would otherwise wait for the
    result (deferred to the triggerer, which then reports success for a node not run).
    """
    from airflow.sdk.exceptions import AirflowSkipException

    wait_for_result = task._handle_no_dbt_node_status

    def skip_if_built_without_it(producer_state: str | None, try_number: int, context: Any) -> bool:
        if producer_state == "success":
            raise AirflowSkipException(
                f"{task.model_unique_id} was not part of this build: no new load reached it"
            )
        return wait_for_result(producer_state, try_number, context)

    task._handle_no_dbt_node_status = skip_if_built_without_it


#: dbt's per-node progress events: nothing reads them but the model tasks' logs.
_PROGRESS_EVENT = re.compile(r'"name":\s*"(NodeStart|NodeCompiling|NodeExecuting)"')
_FINISHED_EVENT = re.compile(r'"name":\s*"NodeFinished"')
_TEST_NODE = re.compile(r'"resource_type":\s*"test"')


def _quiet_progress_events(producer: Any) -> None:
    """Let the build publish each node's result, not every step towards it.

    For every dbt event about a node (start, compiling, executing, finished) Cosmos pushes
    an XCom that the model tasks only print in their logs, about 1,100 for this project,
    each a call to Airflow's API; a test's events are read by nobody (a model's test task
    reads the aggregated result, which is pushed regardless). Dropping the progress events
    and renaming a test's finished event, so it is parsed for its status but not pushed,
    took the build task from 78 s to about 30 s in `dag.test()` on the demo data (the same
    `dbt build` from the command line takes 15-19 s). Results, statuses, compiled SQL and
    errors are untouched.
    """
    make_parse_callable = producer._make_parse_callable

    def make_filtered() -> Any:
        parse = make_parse_callable()

        def filtered(line: str, extra: Any) -> None:
            if _PROGRESS_EVENT.search(line):
                return
            if _TEST_NODE.search(line):
                line = _FINISHED_EVENT.sub('"name": "TestNodeFinished"', line, count=1)
            parse(line, extra)

        return filtered

    producer._make_parse_callable = make_filtered


def what_publish_waits_for(group: Any) -> Any:
    """The build that must succeed before the marts are published: in watcher mode the
    producer alone (it runs `dbt build`, tests included, and fails if any node fails);
    the model tasks after it only report what it did, and the marts are published while
    they do. In local mode the model tasks are the build: the whole group."""
    return _producer(group) or group


def _producer(group: Any) -> Any:
    """The group's build task in watcher mode (`dbt build`), else None."""
    return next((t for t in _tasks(group) if t.task_id.endswith("dbt_producer_watcher")), None)


def _producer_first(group: Any) -> None:
    """Make the dbt build upstream of the model tasks that have no other upstream task."""
    from airflow.sdk import TriggerRule

    producer = _producer(group)
    _quiet_progress_events(producer)
    for task in _tasks(group):
        if task is producer or task.task_id.endswith("_done"):
            continue
        _skip_when_not_built(task)
        if task.upstream_list:
            # A model the build ran reports its result though an upstream one was left out.
            task.trigger_rule = TriggerRule.NONE_FAILED
            continue
        producer >> task
        # A model's task reports its own result even when the build as a whole failed.
        task.trigger_rule = TriggerRule.ALL_DONE


def _tasks(group: Any) -> list[Any]:
    found = []
    for child in group.children.values():
        if hasattr(child, "children"):
            found += _tasks(child)
        else:
            found.append(child)
    return found
