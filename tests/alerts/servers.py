"""Real servers on loopback for the alert tests: an SMTP server and a robot webhook receiver.

Both bind 127.0.0.1 on a free port, record what they receive, and can be told to refuse the
first N messages (SMTP 451, HTTP 500), which is how the fault tests stage an outage.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    @property
    def delivery(self) -> str:
        return str(self.message["X-QCity-Delivery"])

    def attachments(self) -> list[tuple[str, bytes]]:
        return [(a.get_filename(), a.get_content()) for a in self.message.iter_attachments()]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.sink.lock:
            self.sink.attempts += 1
            if self.sink.refuse > 0:
                self.sink.refuse -= 1
                return "451 4.3.0 Temporary failure, try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.sink.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        return "250 OK"


@dataclass
class SmtpSink:
    """An aiosmtpd server; `start()` may come late to stage a server that is down."""

    port: int = field(default_factory=free_port)
    refuse: int = 0
    attempts: int = 0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    @property
    def uri(self) -> str:
        return f"smtp://{LOOPBACK}:{self.port}?from_email=qcity-alerts%40qcity.test"

    def start(self) -> SmtpSink:
        self._controller = Controller(_Handler(self), hostname=LOOPBACK, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


@dataclass
class Posted:
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any]

    @property
    def markdown(self) -> str:
        md = self.body["markdown"]
        return md.get("text") or md.get("content") or ""


class RobotSink:
    """A DingTalk/WeCom-like robot endpoint: {"errcode": 0} after the first `refuse` 500s."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.attempts = 0
        self.posts: list[Posted] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with sink.lock:
                    sink.attempts += 1
                    if sink.refuse > 0:
                        sink.refuse -= 1
                        self.send_response(500)
                        self.end_headers()
                        return
                    parts = urlsplit(self.path)
                    sink.posts.append(
                        Posted(parts.path, parse_qs(parts.query), json.loads(raw.decode("utf-8")))
                    )
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://{LOOPBACK}:{self.port}/robot/{name}?access_token=token-{name}"

    def to(self, name: str) -> list[Posted]:
        return [p for p in self.posts if p.path == f"/robot/{name}"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
