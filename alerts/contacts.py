"""Where a department's alerts go: addresses and robots from the environment, never the repo.

A department's contacts are, in increasing precedence: the registry entry (empty in the
committed file), the YAML file named by `QCITY_ALERT_CONTACTS_FILE` (keyed by department
code, same fields), and the variables `QCITY_ALERT_<CODE>_EMAIL` (comma-separated),
`QCITY_ALERT_<CODE>_WEBHOOK`, `..._WEBHOOK_KIND` and `..._WEBHOOK_SECRET`.

`QCITY_ALERT_REDIRECT=someone@example.org` (staging) sends every alert to that one address
instead, webhook ones included (as an email, unless `QCITY_ALERT_REDIRECT_WEBHOOK` names a
test robot), each saying which department and channel it was meant for.

Resolution never raises: a malformed value is dropped with a warning, and the delivery then
waits in the outbox with the reason, so a typo in the environment cannot fail a load.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

from alerts.registry import Department
from qcity.settings import (
    alert_contact,
    alert_contacts_file,
    alert_link_base,
    alert_redirect,
    alert_redirect_webhook,
    alert_redirect_webhook_kind,
    alert_redirect_webhook_secret,
)

log = logging.getLogger(__name__)

WEBHOOK_KINDS = ("dingtalk", "wecom")
_HOST_KINDS = {"oapi.dingtalk.com": "dingtalk", "qyapi.weixin.qq.com": "wecom"}
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+$")


@dataclass(frozen=True)
class Webhook:
    url: str
    kind: str  # dingtalk | wecom
    secret: str | None = None

    @property
    def host(self) -> str:
        """The URL without its path and query (robot tokens sit there): safe to log."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Contacts:
    emails: tuple[str, ...]
    webhook: Webhook | None


@dataclass(frozen=True)
class Redirect:
    email: str
    webhook: Webhook | None


def _emails(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else re.split(r"[,;\s]+", str(value or ""))
    good = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if _EMAIL.match(item):
            good.append(item)
        else:
            log.warning("ignoring malformed alert address %r", item)
    return tuple(good)


def _webhook(url: object, kind: object = None, secret: object = None) -> Webhook | None:
    url = str(url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        log.warning("ignoring malformed webhook URL for host %r", parts.netloc)
        return None
    kind = str(kind or _HOST_KINDS.get(parts.hostname or "", "dingtalk")).strip().lower()
    if kind not in WEBHOOK_KINDS:
        log.warning("unknown webhook kind %r; using dingtalk", kind)
        kind = "dingtalk"
    return Webhook(url, kind, str(secret).strip() if secret else None)


def _file_entries(env: Mapping[str, str]) -> dict:
    path = alert_contacts_file(env)
    if not path:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("cannot read QCITY_ALERT_CONTACTS_FILE %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def contacts_for(dept: Department, env: Mapping[str, str] | None = None) -> Contacts:
    """The department's addresses and robot as configured now."""
    env = os.environ if env is None else env
    emails: object = list(dept.email)
    hook: dict[str, object] = dept.webhook.model_dump() if dept.webhook else {}
    entry = _file_entries(env).get(dept.code) or {}
    if isinstance(entry, dict):
        emails = entry.get("email", emails)
        file_hook = entry.get("webhook")
        if isinstance(file_hook, str):
            hook = {"url": file_hook}
        elif isinstance(file_hook, dict):
            hook = file_hook
    if (value := alert_contact(dept.code, "EMAIL", env)) is not None:
        emails = value
    for field in ("url", "kind", "secret"):
        name = "WEBHOOK" if field == "url" else f"WEBHOOK_{field.upper()}"
        if (value := alert_contact(dept.code, name, env)) is not None:
            hook[field] = value
    return Contacts(
        _emails(emails), _webhook(hook.get("url"), hook.get("kind"), hook.get("secret"))
    )


def redirect(env: Mapping[str, str] | None = None) -> Redirect | None:
    """The staging redirect, when `QCITY_ALERT_REDIRECT` is set."""
    emails = _emails(alert_redirect(env))
    if not emails:
        return None
    hook = _webhook(
        alert_redirect_webhook(env),
        alert_redirect_webhook_kind(env),
        alert_redirect_webhook_secret(env),
    )
    return Redirect(emails[0], hook)


def link_base(default: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """Where correction workbooks are served for webhook links (`QCITY_ALERT_LINK_BASE`)."""
    return (alert_link_base(env) or default or "").rstrip("/") or None
