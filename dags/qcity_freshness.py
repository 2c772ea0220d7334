"""Airflow DAG `qcity_freshness`: which departments are late with their exports.

Every morning, compares each source's last delivery with the cadence in its contract and
records the day's check in `audit.source_freshness`. The work is in `orchestration`.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

from orchestration.dag_settings import (
    DEFAULT_ARGS,
    FRESHNESS_ASSET,
    FRESHNESS_CRON,
    START_DATE,
    TAGS_FRESHNESS,
    TIMEZONE,
    local_day,
)
from orchestration.pools import WAREHOUSE_POOL

DOC = """
### Delivery freshness (数据报送及时性)

Daily at {cron} ({tz}). For each source contract: the last file received
(`audit.file_manifest.received_at`, whatever became of the file), the days since, and
whether that exceeds the contract's `cadence_days` (or nothing ever came). One row per
source and day goes to `audit.source_freshness` (`is_overdue`), replacing an earlier
check of the same day; each late source's department gets a reminder queued in
`audit.alert_outbox` (`alerts.outbox.enqueue_overdue`: one per missed delivery, sent by
`qcity_alerts`), and the `qcity.audit.source_freshness` Asset is updated. The day checked
is the run's, not the clock's, but deliveries count up to the moment of checking, so no
department that has delivered since is reminded. A scheduled run that starts more than an
hour late is a catch-up run and is skipped (no reminders for a day long past). Runs in the
`{pool}` pool (it writes the warehouse).
"""


@dag(
    dag_id="qcity_freshness",
    description="Record sources whose last delivery is older than their contract's cadence",
    schedule=FRESHNESS_CRON,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=TAGS_FRESHNESS,
    doc_md=DOC.format(cron=FRESHNESS_CRON, tz=TIMEZONE, pool=WAREHOUSE_POOL),
)
def qcity_freshness():
    @task(pool=WAREHOUSE_POOL, outlets=[FRESHNESS_ASSET])
    def check_freshness() -> dict:
        from datetime import UTC, datetime

        from orchestration.freshness import is_catch_up
        from orchestration.steps import check_freshness

        run = get_current_context()["dag_run"]
        if is_catch_up(run.run_type == "scheduled", run.run_after, datetime.now(UTC)):
            raise AirflowSkipException(f"catch-up run for {run.run_after}: not checked")
        result = check_freshness(local_day(run.run_after))
        get_current_context()["outlet_events"][FRESHNESS_ASSET].extra = {
            "checked_on": result["checked_on"],
            "overdue": result["overdue"],
        }
        return result

    check_freshness()


qcity_freshness()
