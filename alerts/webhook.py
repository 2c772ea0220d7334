"""Group-robot webhooks: the Markdown message DingTalk and WeCom robots accept.

DingTalk: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``, optionally signed
(加签: ``timestamp`` and ``sign`` query parameters from the robot's secret). WeCom:
``{"msgtype": "markdown", "markdown": {"content"}}``, at most 4096 bytes. Both answer
HTTP 200 with ``{"errcode": 0}`` on success and a non-zero errcode (rate limit, bad token,
a keyword missing) otherwise, so a 200 is not enough: the errcode must be 0 as well.
Sent with the standard library's urllib, which honours the usual proxy variables.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus

from alerts.contacts import Webhook

#: Robot message limits in bytes of UTF-8 (WeCom documents 4096; DingTalk accepts more).
MAX_BYTES = {"dingtalk": 18_000, "wecom": 4_000}
_CUT_NOTE = "\n\n……（内容较长，完整内容见邮件）"


class WebhookError(RuntimeError):
    """The robot did not take the message; `outage` when it could not be reached at all."""

    def __init__(self, message: str, outage: bool = False) -> None:
        super().__init__(message)
        self.outage = outage


def fit(text: str, max_bytes: int) -> str:
    """Cut a message to the robot's limit on a character boundary, saying it was cut."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    room = max_bytes - len(_CUT_NOTE.encode("utf-8"))
    cut = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return cut.rsplit("\n", 1)[0] + _CUT_NOTE


def payload(hook: Webhook, title: str, markdown: str) -> dict:
    text = fit(markdown, MAX_BYTES[hook.kind])
    if hook.kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def signed_url(hook: Webhook, now_ms: int | None = None) -> str:
    """DingTalk's 加签: HMAC-SHA256 of "timestamp\\nsecret", base64, URL-encoded."""
    if hook.kind != "dingtalk" or not hook.secret:
        return hook.url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(
        hook.secret.encode("utf-8"), f"{timestamp}\n{hook.secret}".encode(), hashlib.sha256
    ).digest()
    sign = quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in hook.url else "?"
    return f"{hook.url}{joiner}timestamp={timestamp}&sign={sign}"


def post(hook: Webhook, body: dict, timeout: float = 10.0) -> None:
    """Deliver one message; raises WebhookError unless the robot confirms it."""
    request = urllib.request.Request(
        signed_url(hook),
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"{hook.host} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"{hook.host} unreachable: {reason}", outage=True) from None
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = {}
    code = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if code not in (0, "0"):
        raise WebhookError(
            f"{hook.host} refused the message: errcode {code} {answer.get('errmsg', '')}"
        )
