"""Department alerts: who must act on what, told in plain Chinese by email and group robot.

Five kinds (file rejected, rows quarantined above a share, delivery overdue, weekly
indicator digest, pipeline failure) go to the departments of `departments.yaml`, with
contacts from the environment. Every alert is written to `audit.alert_outbox` first, in
the transaction of the result it reports, then sent by `alerts.sender.send_pending` with
claims, retries and backoff, so an outage delays alerts and never drops or repeats them.

Modules, one job each:

- `registry`: the department registry and its cross-check with contracts and seeds
- `contacts`: addresses, robots and the staging redirect from the environment
- `facts`: the JSON facts an alert reports, captured when it is enqueued
- `outbox`: the table and the enqueue functions the loader, CLI and DAGs call
- `render`: subject, text, HTML and robot Markdown from `templates/`
- `mail`, `webhook`: the two channels (smtplib via `smtp_default`; DingTalk/WeCom JSON)
- `sender`: `send_pending`, the claim/lease and retry bookkeeping
- `callbacks`: the Airflow `on_failure_callback`; `spool`: its fallback when the warehouse is locked

Configuration for operators: docs/alerts.md.
"""
