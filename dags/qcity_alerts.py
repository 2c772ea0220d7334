"""Airflow DAG `qcity_alerts`: send what is due in the alert outbox.

Alerts are queued by the loads (rejected files, quarantined rows), the freshness check
(late deliveries), the warehouse build (weekly indicator digest) and failed tasks; this DAG
delivers them. The work is in `alerts.sender`; this file only wires the task.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from orchestration.dag_settings import DEFAULT_ARGS, SEND_ALERTS_EVERY, START_DATE, TAGS_ALERTS
from orchestration.pools import WAREHOUSE_POOL

DOC = """
### Send alerts (提醒与告警)

Every {every} minutes, `alerts.sender.send_pending` sends the due rows of
`audit.alert_outbox` by email (the `smtp_default` connection, from `AIRFLOW_CONN_SMTP_DEFAULT`)
or the department's robot webhook (addresses from the environment, see `docs/alerts.md`),
and marks each delivered once the server confirmed it. A failed delivery is retried by a
later run with backoff; nothing is sent twice. Runs in the `{pool}` pool (it writes the
warehouse).
"""


@dag(
    dag_id="qcity_alerts",
    description="Deliver queued alerts (reminders, rejections, digests, failures)",
    schedule=SEND_ALERTS_EVERY,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=TAGS_ALERTS,
    doc_md=DOC.format(every=int(SEND_ALERTS_EVERY.total_seconds() // 60), pool=WAREHOUSE_POOL),
)
def qcity_alerts():
    @task(pool=WAREHOUSE_POOL)
    def send_alerts() -> dict:
        from orchestration.steps import send_alerts

        return send_alerts()

    send_alerts()


qcity_alerts()
