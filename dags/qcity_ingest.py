"""Airflow DAGs: one ingestion DAG per landing folder, generated from the source contracts.

Adding a contract under ingestion/contracts/sources/ adds a DAG here; no DAG code changes.
The work is in `orchestration.steps`; this file only wires tasks.
"""

from __future__ import annotations

from airflow.sdk import Asset, TriggerRule, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from orchestration.dag_settings import (
    DEFAULT_ARGS,
    INGEST_EVERY,
    START_DATE,
    TAGS_INGEST,
    LandingFolder,
    landing_folders,
    raw_asset,
)
from orchestration.pools import WAREHOUSE_POOL
from qcity.settings import ingest_chunk_files

DOC = """
### Ingest `landing/{folder}/` — {title}（{department}）

Every {every} minutes: list the ready files in `landing/{folder}/` (temporary and hidden
files such as `~$*` and `*.part` are skipped, and so is any file modified in the last
seconds: it may still be being written), then validate and load them in delivery order,
a chunk of up to {chunk} files per mapped task, inside the `{pool}` pool (DuckDB allows
one writer process). Each file's outcome is a line of its task's log.

Each file is loaded whole or not at all (one transaction, Great Expectations validation
included), then moved to `archive/{folder}/` or `rejected/{folder}/` with its sha256 in
its name. **A rejected file does not fail the run** and does not hold up the other files:
its mapped task's name in the grid says `REJECTED` and names it, the `summarize` task lists
every file with its outcome, and the rejection is in `audit.file_manifest` and
`audit.landing_moves`; the department's correction workbook (整改清单) is written to
`build/corrections/`.

When anything loaded, the Asset of the raw table is updated ({assets}), which schedules
the `qcity_warehouse` DAG. {cadence}
"""


def _doc(spec: LandingFolder) -> str:
    cadence = (
        f"The contract expects a delivery every {spec.cadence_days} days (`qcity_freshness`)."
        if spec.cadence_days
        else "Files here have their source detected from their headers."
    )
    return DOC.format(
        folder=spec.folder,
        title=spec.title,
        department=spec.department,
        every=int(INGEST_EVERY.total_seconds() // 60),
        chunk=ingest_chunk_files(),
        pool=WAREHOUSE_POOL,
        assets=", ".join(f"`{raw_asset(s).name}`" for s in spec.sources),
        cadence=cadence,
    )


def _announce(source: str, asset: Asset):
    @task(task_id=f"announce_{source}", outlets=[asset], trigger_rule=TriggerRule.ALL_SUCCESS)
    def announce(summary: dict) -> dict:
        """Update the raw table's Asset, only when this run loaded a file into it."""
        if source not in summary["loaded_sources"]:
            raise AirflowSkipException(f"nothing new loaded into raw.{source}")
        files = [f for f in summary["files"] if f["source"] == source and f["status"] == "loaded"]
        extra = {"files": len(files), "rows_loaded": sum(f["rows_loaded"] for f in files)}
        get_current_context()["outlet_events"][asset].extra = extra
        return extra

    return announce


def ingestion_dag(spec: LandingFolder):
    @dag(
        dag_id=spec.dag_id,
        description=f"Load landing/{spec.folder}/ into the warehouse ({spec.title})",
        schedule=INGEST_EVERY,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=[*TAGS_INGEST, spec.folder],
        doc_md=_doc(spec),
    )
    def ingest():
        @task
        def list_files() -> list[list[dict]]:
            from orchestration.steps import list_landing

            return list_landing(spec.folder)

        @task(pool=WAREHOUSE_POOL, map_index_template="{{ chunk_label }}")
        def ingest_files(chunks: list[list[dict]], chunk: list[dict]) -> str:
            from orchestration.steps import ingest_files as ingest

            context = get_current_context()
            label = ingest(chunks, chunk, context["run_id"], context["ti"].map_index)
            context["chunk_label"] = label  # type: ignore[typeddict-unknown-key]
            return label

        @task(pool=WAREHOUSE_POOL, trigger_rule=TriggerRule.ALL_DONE)
        def summarize(chunks: list[list[dict]], outcomes: list[str]) -> dict:
            """Every file of the run and what became of it; fails if a file was not handled."""
            from orchestration.steps import joined, summarize_run

            context = get_current_context()
            run_at = context["dag_run"].run_after
            return summarize_run(spec.folder, context["run_id"], run_at, joined(chunks))

        chunks = list_files()
        outcomes = ingest_files.partial(chunks=chunks).expand(chunk=chunks)
        summary = summarize(chunks, outcomes)
        for source in spec.sources:
            _announce(source, raw_asset(source))(summary)

    return ingest()


for _spec in landing_folders():
    globals()[_spec.dag_id] = ingestion_dag(_spec)
