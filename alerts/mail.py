"""Email through the Airflow connection `smtp_default`, sent with the standard library.

The connection is read with Airflow's own API (`BaseHook.get_connection`), so
`AIRFLOW_CONN_SMTP_DEFAULT=smtp://user:pass@host:port?from_email=...` configures the CLI and
the DAGs alike, and inside a task the connection may equally come from the metadata
database or a secrets backend. No Airflow process needs to run.

Transport security differs from the SMTP provider's hook on one point: the hook turns on
SSL and STARTTLS unless the extras `disable_ssl` / `disable_tls` say otherwise, so a bare
`smtp://127.0.0.1:2525` would fail against a plain relay. Here explicit extras win as in
the provider (`disable_ssl=false` means SSL, `disable_tls=false` means STARTTLS), and without
them the port decides: 465 SSL, 587 STARTTLS, anything else plain SMTP (a local relay).
Extras `timeout` (seconds) and `from_email` are read as the provider reads them.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from types import TracebackType

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class SmtpNotConfigured(RuntimeError):
    """The connection `smtp_default` does not exist or names no host."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    login: str | None = None
    password: str | None = None
    use_ssl: bool = False
    starttls: bool = False
    timeout: float = 30.0
    from_email: str | None = None


def _flag(extras: dict, name: str) -> bool | None:
    """An extra as the provider means it; None when absent."""
    if name not in extras:
        return None
    value = extras[name]
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def smtp_settings(conn_id: str = "smtp_default") -> SmtpSettings:
    """The SMTP server of the Airflow connection `conn_id`."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        raise SmtpNotConfigured(
            f"the Airflow connection {conn_id} is not defined; "
            f"set AIRFLOW_CONN_{conn_id.upper()}=smtp://host:port"
        ) from None
    if not conn.host:
        raise SmtpNotConfigured(f"the Airflow connection {conn_id} names no host")
    extras = conn.extra_dejson or {}
    port = int(conn.port or 25)
    disable_ssl, disable_tls = _flag(extras, "disable_ssl"), _flag(extras, "disable_tls")
    use_ssl = (not disable_ssl) if disable_ssl is not None else port == 465
    starttls = (not use_ssl) and ((not disable_tls) if disable_tls is not None else port == 587)
    return SmtpSettings(
        host=conn.host,
        port=port,
        login=conn.login or None,
        password=conn.password or None,
        use_ssl=use_ssl,
        starttls=starttls,
        timeout=float(extras.get("timeout", 30)),
        from_email=extras.get("from_email"),
    )


def build_message(
    *,
    sender: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    attachment: Path | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A multipart message: plain text, HTML, and the workbook when there is one."""
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    # The same delivery always carries the same id, so a mail system can drop a repeat.
    msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if attachment is not None:
        msg.add_attachment(
            attachment.read_bytes(),
            maintype=XLSX_TYPE[0],
            subtype=XLSX_TYPE[1],
            filename=attachment.name,
        )
    return msg


class SmtpTransport:
    """One SMTP session per sender run, opened on first use and reopened after a failure."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.use_ssl:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.starttls:
                client.starttls(context=context)
        if s.login and s.password:
            client.login(s.login, s.password)
        return client

    def send(self, msg: EmailMessage, to: list[str]) -> dict[str, tuple[int, bytes]]:
        """Send; returns the recipients the server refused (all refused raises)."""
        if self._client is None:
            self._client = self._connect()
        try:
            return self._client.send_message(msg, to_addrs=to)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._client.quit()
            self._client = None


def is_outage(exc: BaseException) -> bool:
    """True when the server cannot be reached at all (then no other email is tried now)."""
    return isinstance(
        exc,
        smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError,
    ) or (isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException))
