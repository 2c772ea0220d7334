"""Turning an alert's facts into what people read, from the templates beside this module.

Each kind has a Markdown template (`<kind>.md.j2`), used as the email's plain-text part and
as the DingTalk/WeCom robot message, and an HTML template (`<kind>.html.j2`, autoescaped) for
the email; `subject.txt.j2` holds every subject line. Values from files (names, cells,
exception text) are untrusted: HTML escapes them, and in robot messages the `md` filter turns
the characters that would make a link, an image or a tag (and line breaks, which could start a
heading or a quote) into their full-width twins, which read the same to a clerk and mean
nothing to a Markdown renderer. Emphasis characters are left alone: at worst cosmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

TEMPLATES_DIR = Path(__file__).with_name("templates")
KINDS = (
    "file_rejected",
    "rows_quarantined",
    "delivery_overdue",
    "indicator_digest",
    "pipeline_failure",
)
CHANNEL_NAMES = {"email": "邮件", "dingtalk": "钉钉群机器人", "wecom": "企业微信群机器人"}
_MD_UNSAFE = str.maketrans(
    {"[": "［", "]": "］", "<": "＜", ">": "＞", "`": "｀", "\r": " ", "\n": " "}
)


@pass_context
def _md(context: Any, value: object) -> str:
    text = "" if value is None else str(value)
    return text.translate(_MD_UNSAFE) if context.get("robot") else text


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(md=_md, pct=_pct, num=_num)
    return env


@dataclass(frozen=True)
class Intended:
    """Under a staging redirect: who the message was really for."""

    department: str
    channel: str  # email | dingtalk | wecom
    addresses: str

    @property
    def channel_zh(self) -> str:
        return CHANNEL_NAMES.get(self.channel, self.channel)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str  # Markdown: the email's text part
    html: str
    robot: str  # Markdown with untrusted values defused: the webhook message


def subject(kind: str, payload: dict[str, Any], department: str) -> str:
    text = (
        environment()
        .get_template("subject.txt.j2")
        .render(kind=kind, p=payload, dept=department, robot=False)
    )
    return re.sub(r"\s+", " ", text).strip()[:200]


def render(
    kind: str,
    payload: dict[str, Any],
    department: str,
    *,
    attachment_name: str | None = None,
    link: str | None = None,
    intended: Intended | None = None,
) -> Rendered:
    """The subject and bodies of one alert for one department."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    env = environment()
    context = {
        "kind": kind,
        "p": payload,
        "dept": department,
        "attachment_name": attachment_name,
        "link": link,
        "intended": intended,
    }
    title = subject(kind, payload, department)
    if intended:
        title = f"[转发：原发{intended.department}] {title}"
    md = env.get_template(f"{kind}.md.j2")
    return Rendered(
        subject=title,
        text=md.render(**context, robot=False).strip() + "\n",
        html=env.get_template(f"{kind}.html.j2").render(**context, title=title, robot=False),
        robot=md.render(**context, robot=True).strip() + "\n",
    )
