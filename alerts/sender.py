"""Flushing the outbox: claim, send, mark delivered; retry later with backoff on failure.

Interfaces (stable; the Airflow sender task and `qcity alerts send` call them):

- ``send_pending(con, ...) -> SendReport``: sends every delivery that is due. Each is first
  claimed for ``lease_seconds`` by an atomic update (two senders never send the same row;
  a crashed sender's claim runs out), sent, and marked delivered right after the server or
  robot confirmed it. A failure records ``last_error`` and ``next_attempt_at`` (exponential
  backoff, capped) and releases the claim; nothing is ever given up, so an SMTP or webhook
  outage delays alerts and they go out once when it ends. When a server cannot be reached
  at all, the run stops trying that channel and puts the rest off without counting a try.
- ``smtp_settings()`` (re-exported from :mod:`alerts.mail`): the `smtp_default` connection.

Exactly once, precisely: a delivery is marked right after its send returns, so the only
window for a repeat is a crash between the server's "250 OK" and that update. Emails carry
a Message-ID derived from the delivery, so a mail system that drops repeats drops that one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import duckdb

from alerts import outbox, spool
from alerts.contacts import Webhook, contacts_for, link_base, redirect
from alerts.mail import SmtpNotConfigured, SmtpSettings, SmtpTransport, build_message, is_outage
from alerts.mail import smtp_settings as smtp_settings
from alerts.outbox import Delivery
from alerts.registry import Registry, load_registry
from alerts.render import Intended, render
from alerts.webhook import WebhookError, payload, post

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    delivered: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # delivery_id -> error
    deferred: list[str] = field(default_factory=list)  # put off: their server was down
    taken: list[str] = field(default_factory=list)  # claimed by another sender meanwhile

    @property
    def ok(self) -> bool:
        return not self.failed and not self.deferred

    def summary(self) -> str:
        return (
            f"{len(self.delivered)} delivered, {len(self.failed)} failed, "
            f"{len(self.deferred)} put off, {len(self.taken)} taken by another sender"
        )


@dataclass(frozen=True)
class Outcome:
    to: str  # addresses, or the robot's host (tokens stay out of the audit table)
    note: str | None = None  # e.g. recipients the server refused, workbook missing


class DeliveryFailed(RuntimeError):
    """Not sent; `outage` when the channel's server could not be reached at all."""

    def __init__(self, message: str, outage: bool = False, channel_key: str = "") -> None:
        super().__init__(message)
        self.outage = outage
        self.channel_key = channel_key


@dataclass(frozen=True)
class Route:
    """Where one delivery goes now: an email to addresses, or a robot."""

    department: str  # the recipient's Chinese name
    to: tuple[str, ...] = ()  # email addresses, when it goes by email
    hook: Webhook | None = None  # the robot, when it goes by webhook
    intended: Intended | None = None  # set under the staging redirect

    @property
    def channel_key(self) -> str:
        return self.hook.host if self.hook else "smtp"


class Courier:
    """Sends one delivery: recipients from the registry and environment, then the channel."""

    def __init__(
        self,
        registry: Registry,
        env: Mapping[str, str],
        smtp: SmtpSettings | None = None,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.registry = registry
        self.env = env
        self.redirect = redirect(env)
        self.link_base = link_base(registry.delivery.workbook_link_base, env)
        self.webhook_timeout = webhook_timeout
        self._smtp_settings = smtp
        self._smtp: SmtpTransport | None = None

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.close()

    # -- deciding and composing (also used by `qcity alerts preview`) -----------------------

    def route(self, row: Delivery) -> Route:
        """Recipients as configured now; raises DeliveryFailed when there are none."""
        dept = self.registry.department(row.department_code)
        contacts = contacts_for(dept, self.env)
        hook = contacts.webhook
        if self.redirect:
            if row.channel == "webhook":
                intended = Intended(
                    dept.name_zh, hook.kind if hook else "dingtalk", hook.host if hook else "未配置"
                )
                if self.redirect.webhook:
                    return Route(dept.name_zh, hook=self.redirect.webhook, intended=intended)
            else:
                addresses = ", ".join(contacts.emails) or "未配置邮箱"
                intended = Intended(dept.name_zh, "email", addresses)
            return Route(dept.name_zh, to=(self.redirect.email,), intended=intended)
        if row.channel == "webhook":
            if hook is None:
                raise DeliveryFailed(
                    f"no webhook configured for {dept.code} (set QCITY_ALERT_{dept.code}_WEBHOOK)"
                )
            return Route(dept.name_zh, hook=hook)
        if not contacts.emails:
            raise DeliveryFailed(
                f"no email address configured for {dept.code} (set QCITY_ALERT_{dept.code}_EMAIL)"
            )
        return Route(dept.name_zh, to=contacts.emails)

    def attachment(self, row: Delivery) -> tuple[Path | None, str | None]:
        """The workbook recorded on the row, if it is there; and a note when it is not."""
        if not row.attachment_path:
            return None, "sent without its correction workbook" if row.attachment_expected else None
        path = Path(row.attachment_path)
        if not path.is_file():
            return None, f"correction workbook {path.name} was missing at send time"
        return path, None

    def compose_email(self, row: Delivery, route: Route, sender: str) -> EmailMessage:
        attachment, _ = self.attachment(row)
        rendered = render(
            row.kind,
            row.payload,
            route.department,
            attachment_name=attachment.name if attachment else None,
            intended=route.intended,
        )
        headers = {
            "X-QCity-Delivery": row.delivery_id,
            "X-QCity-Kind": row.kind,
            "X-QCity-Department": row.department_code,
        }
        if route.intended:
            headers["X-QCity-Intended-Channel"] = route.intended.channel
        return build_message(
            sender=sender,
            to=list(route.to),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=f"<{row.delivery_id}@qcity.alerts>",
            attachment=attachment,
            headers=headers,
        )

    def compose_robot(self, row: Delivery, route: Route) -> dict:
        assert route.hook is not None
        link = None
        if self.link_base and row.attachment_path:
            link = f"{self.link_base}/{quote(Path(row.attachment_path).name)}"
        rendered = render(
            row.kind, row.payload, route.department, link=link, intended=route.intended
        )
        return payload(route.hook, rendered.subject, rendered.robot)

    # -- sending ----------------------------------------------------------------------------

    def send(self, row: Delivery) -> Outcome:
        route = self.route(row)
        _, note = self.attachment(row)
        if route.hook is not None:
            body = self.compose_robot(row, route)
            try:
                post(route.hook, body, self.webhook_timeout)
            except WebhookError as exc:
                raise DeliveryFailed(
                    str(exc), outage=exc.outage, channel_key=route.hook.host
                ) from exc
            # a robot links the workbook (or points to the email) and never carries it
            return Outcome(f"{route.hook.kind} {route.hook.host}")
        smtp = self._transport()
        msg = self.compose_email(
            row, route, smtp.settings.from_email or self.registry.delivery.email_from
        )
        try:
            refused = smtp.send(msg, list(route.to))
        except Exception as exc:
            raise DeliveryFailed(
                f"SMTP {smtp.settings.host}:{smtp.settings.port}: {type(exc).__name__}: {exc}",
                outage=is_outage(exc),
                channel_key="smtp",
            ) from exc
        if refused:
            note = "; ".join(
                filter(None, [note, f"refused by the server: {', '.join(sorted(refused))}"])
            )
        return Outcome(", ".join(a for a in route.to if a not in refused), note)

    def _transport(self) -> SmtpTransport:
        if self._smtp is None:
            try:
                settings = self._smtp_settings or smtp_settings()
            except SmtpNotConfigured as exc:
                raise DeliveryFailed(str(exc), outage=True, channel_key="smtp") from None
            self._smtp = SmtpTransport(settings)
        return self._smtp


def backoff(attempts: int, registry: Registry) -> timedelta:
    """Wait after the n-th failed try: base * 2^(n-1), at most the cap."""
    d = registry.delivery
    seconds = min(d.backoff_base_seconds * 2 ** max(attempts - 1, 0), d.backoff_cap_seconds)
    return timedelta(seconds=seconds)


def send_pending(
    con: duckdb.DuckDBPyConnection,
    *,
    now: datetime | None = None,
    limit: int = 500,
    dedup_key: str | None = None,
    registry: Registry | None = None,
    env: Mapping[str, str] | None = None,
    smtp: SmtpSettings | None = None,
    spool_dir: Path | None = None,
) -> SendReport:
    """Send what is due in the outbox (only `dedup_key`'s deliveries when given)."""
    registry = registry or load_registry()
    env = os.environ if env is None else env
    now = now or datetime.now()
    spool.import_spooled(con, spool_dir)
    lease = timedelta(seconds=registry.delivery.lease_seconds)
    grace = timedelta(seconds=registry.delivery.attachment_grace_seconds)
    token = outbox.sender_token()
    report = SendReport()
    down: dict[str, str] = {}  # channel key -> the error that took it down this run
    courier = Courier(registry, env, smtp)
    try:
        for row in outbox.due(con, now, grace, limit, dedup_key):
            if not outbox.claim(con, row.delivery_id, token, now, lease):
                report.taken.append(row.delivery_id)
                continue
            key = _channel_key(row, courier)
            if key in down:
                retry_at = now + backoff(max(row.attempts, 1), registry)
                outbox.mark_failed(con, row.delivery_id, token, now, down[key], retry_at, False)
                report.deferred.append(row.delivery_id)
                continue
            try:
                outcome = courier.send(row)
            except DeliveryFailed as exc:
                if exc.outage and exc.channel_key:
                    down[exc.channel_key] = f"put off: {exc}"
                retry_at = now + backoff(row.attempts + 1, registry)
                outbox.mark_failed(con, row.delivery_id, token, now, str(exc), retry_at)
                report.failed[row.delivery_id] = str(exc)
                log.warning("alert %s to %s not sent: %s", row.kind, row.department_code, exc)
                continue
            except Exception as exc:  # a template or data bug: keep the alert, say why
                retry_at = now + backoff(row.attempts + 1, registry)
                error = f"{type(exc).__name__}: {exc}"
                outbox.mark_failed(con, row.delivery_id, token, now, error, retry_at)
                report.failed[row.delivery_id] = error
                log.exception("alert %s could not be prepared", row.delivery_id)
                continue
            outbox.mark_delivered(con, row.delivery_id, token, now, outcome.to, outcome.note)
            report.delivered.append(row.delivery_id)
    finally:
        courier.close()
    return report


def _channel_key(row: Delivery, courier: Courier) -> str:
    """Which server a delivery goes through, to skip it while that server is down."""
    try:
        return courier.route(row).channel_key
    except DeliveryFailed:
        return ""
