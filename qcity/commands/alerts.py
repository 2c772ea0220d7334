"""`qcity alerts list|send|preview`: the outbox seen, flushed, and rehearsed.

`preview FILE` loads the export into a scratch in-memory warehouse exactly as `qcity ingest`
would (same loader, same enqueue, same correction workbook) and shows what each department
would receive, by which channel and to which addresses, without sending anything and
without touching the real warehouse or build folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from qcity.settings import build_dir, overriding, warehouse_path

_out = Console(soft_wrap=True)
_err = Console(stderr=True, soft_wrap=True)

alerts_app = typer.Typer(
    help="Department alerts: list the outbox, send what is due, preview an export's alerts.",
    no_args_is_help=True,
)

STATE_ZH = {
    "delivered": "已送达",
    "pending": "待发送",
    "retrying": "重试中",
    "sending": "发送中",
    "waiting_for_workbook": "等待整改清单",
}


def _connect():
    from warehouse.connection import BUSY_EXIT_CODE, WarehouseBusy, connect

    try:
        return connect(warehouse_path(), wait_seconds=30)
    except WarehouseBusy as exc:
        _err.print(str(exc))
        raise typer.Exit(BUSY_EXIT_CODE) from None


@alerts_app.command("list")
def list_alerts(
    pending: Annotated[bool, typer.Option("--pending", help="Only undelivered alerts.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many rows, newest first.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per delivery.")] = False,
) -> None:
    """The outbox: every alert per department and channel, its state and last error."""
    from alerts.outbox import deliveries
    from alerts.registry import load_registry

    registry = load_registry()
    grace = timedelta(seconds=registry.delivery.attachment_grace_seconds)
    now = datetime.now()
    con = _connect()
    rows = deliveries(con, pending_only=pending, limit=limit)
    con.close()
    if as_json:
        for row in rows:
            record = row.record()
            record["state"] = row.state(now, grace)
            typer.echo(json.dumps(record, ensure_ascii=False, default=str))
        return
    if not rows:
        _out.print("没有待发送的提醒 / nothing pending" if pending else "发件箱为空 / outbox empty")
        return
    for row in rows:
        state = STATE_ZH.get(row.state(now, grace), row.state(now, grace))
        dept = registry.department(row.department_code).name_zh
        _out.print(
            f"{state}  {row.kind} · {dept} · {row.channel} · {row.created_at:%Y-%m-%d %H:%M} · "
            f"{row.attempts}次 · {row.delivery_id}",
            highlight=False,
            markup=False,
        )
        _out.print(f"    {row.subject}", highlight=False, markup=False)
        if row.delivered_at:
            _out.print(f"    → {row.delivered_to} {row.delivered_at:%Y-%m-%d %H:%M}", markup=False)
        if row.last_error:
            _out.print(f"    ! {row.last_error}", style="red", highlight=False, markup=False)


@alerts_app.command("send")
def send(
    limit: Annotated[int, typer.Option(help="Send at most this many deliveries now.")] = 500,
) -> None:
    """Send every alert that is due; failures stay in the outbox and are retried later."""
    from alerts.sender import send_pending

    con = _connect()
    try:
        report = send_pending(con, limit=limit)
    finally:
        con.close()
    _err.print(report.summary(), highlight=False)
    for delivery_id, error in report.failed.items():
        _err.print(f"  ✗ {delivery_id}: {error}", highlight=False)
    raise typer.Exit(0 if report.ok else 1)


@contextmanager
def _scratch_build(out: Path | None):
    """A build folder for the preview's Data Docs and workbook, never the project's."""
    with (
        tempfile.TemporaryDirectory(prefix="qcity-preview-") as tmp,
        overriding(QCITY_BUILD_DIR=str(out or Path(tmp))),
    ):
        yield build_dir()


@alerts_app.command("preview")
def preview(
    file: Annotated[Path, typer.Argument(help="An export file, as a department would send it.")],
    source: Annotated[
        str | None, typer.Option(help="Source name; detected from the headers when omitted.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Also write each message here (.eml for email, .json for robots)."),
    ] = None,
) -> None:
    """Show what the file's department would receive, without sending or loading anything."""
    import duckdb

    from alerts.outbox import attach_workbooks, deliveries
    from alerts.registry import load_registry
    from alerts.sender import Courier
    from qcity.correction_workbook import write_workbooks
    from warehouse.load import Loader
    from warehouse.schema import ensure_schema

    if not file.is_file():
        _err.print(f"no such file: {file}")
        raise typer.Exit(2)
    if out:
        out.mkdir(parents=True, exist_ok=True)
    with _scratch_build(out.resolve() if out else None) as build:
        con = duckdb.connect(":memory:")
        ensure_schema(con)
        result = Loader(con).ingest(file.resolve(), source)
        written = write_workbooks(con, [result], build / "corrections", datetime.now())
        attach_workbooks(con, [result], written)
        rows = sorted(deliveries(con), key=lambda r: (r.department_code, r.channel))
        registry = load_registry()
        courier = Courier(registry, os.environ)
        _err.print(_describe(result), highlight=False)
        if not rows:
            _out.print("这个文件不会触发提醒 / this file raises no alert.")
            return
        for n, row in enumerate(rows, start=1):
            _show(courier, row, n, out)
        con.close()


def _describe(result) -> str:
    if result.status == "rejected":
        return f"rejected: {result.error}"
    return (
        f"{result.status}: {result.rows_read} rows read, {result.rows_loaded} loaded, "
        f"{result.rows_quarantined} quarantined"
    )


def _show(courier, row, n: int, out: Path | None) -> None:
    from alerts.sender import DeliveryFailed

    dept = courier.registry.department(row.department_code).name_zh
    _out.rule(f"{n}. {dept} · {row.channel} · {row.kind}")
    try:
        route = courier.route(row)
    except DeliveryFailed as exc:
        _out.print(f"[yellow]不会送出 / would wait in the outbox: {exc}[/]")
        return
    if route.hook is not None:
        body = courier.compose_robot(row, route)
        _out.print(f"发往 / to: {route.hook.kind} robot {route.hook.host}", highlight=False)
        markdown = body["markdown"].get("text") or body["markdown"].get("content")
        _out.print(markdown, markup=False, highlight=False)
        if out:
            path = out / f"{n:02d}_{row.department_code}_{row.kind}_webhook.json"
            path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    msg = courier.compose_email(row, route, courier.registry.delivery.email_from)
    _out.print(f"收件人 / to: {', '.join(route.to)}", highlight=False)
    _out.print(f"主题 / subject: {msg['Subject']}", highlight=False)
    attachment, _ = courier.attachment(row)
    _out.print(f"附件 / attachment: {attachment.name if attachment else '无'}", highlight=False)
    _out.print(msg.get_body(("plain",)).get_content(), markup=False, highlight=False)
    if out:
        path = out / f"{n:02d}_{row.department_code}_{row.kind}_email.eml"
        path.write_bytes(bytes(msg))


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
