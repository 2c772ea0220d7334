"""Fixtures of the alert tests: loopback servers, contacts from the environment, and a guard.

The guard refuses any connection that is not to 127.0.0.1 (and fails the test that tried),
so no alert test can send anything beyond this machine whatever a default says. Contact
variables and proxies of the surrounding environment are removed for the same reason.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from alerts.registry import DATA_TEAM, load_registry
from ingestion.pipeline import LoadResult
from qcity.correction_workbook import write_workbooks
from tests.alerts.servers import LOOPBACK, RobotSink, SmtpSink

_LOOPBACK_HOSTS = {LOOPBACK, "::1", "localhost"}


@contextmanager
def loopback_guard() -> Iterator[list[object]]:
    """Refuse connections beyond 127.0.0.1 while open; yields the refused addresses."""
    blocked: list[object] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in _LOOPBACK_HOSTS:
                blocked.append(address)
                raise PermissionError(f"alert tests may only connect to {LOOPBACK}, not {address}")

    def connect(sock: socket.socket, address: object) -> None:
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        yield blocked


def clean_environment(mp: pytest.MonkeyPatch) -> None:
    """No contact, connection or proxy of the surrounding environment reaches a test."""
    for name in list(os.environ):
        if name.startswith(("QCITY_ALERT_", "AIRFLOW_CONN_")) or name.lower().endswith("_proxy"):
            mp.delenv(name)
    mp.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(autouse=True)
def loopback_only(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    if "e2e" not in request.fixturenames:  # the end-to-end run sets its own environment
        clean_environment(monkeypatch)
    with loopback_guard() as blocked:
        yield
    assert not blocked, f"tried to connect beyond loopback: {blocked}"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """A running SMTP server, configured as the Airflow connection smtp_default."""
    sink = SmtpSink().start()
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", sink.uri)
    yield sink
    sink.stop()


@pytest.fixture
def robots() -> Iterator[RobotSink]:
    sink = RobotSink()
    yield sink
    sink.stop()


def address(code: str) -> str:
    return f"{code.lower()}@qcity.test"


#: Departments given a robot in the tests, and its kind.
ROBOTS = {
    "YC_MARKET_REGULATION": "dingtalk",
    "YC_AGRICULTURE_RURAL": "wecom",
    "YC_HOUSING_CONSTRUCTION": "dingtalk",
    DATA_TEAM: "wecom",
}
DINGTALK_SECRET = "SECtest-secret"


def configure_contacts(monkeypatch: pytest.MonkeyPatch, robots: RobotSink | None) -> None:
    """Every department and the data team get an address; a few get a robot."""
    for dept in load_registry().everyone():
        monkeypatch.setenv(f"QCITY_ALERT_{dept.code}_EMAIL", address(dept.code))
    if robots is None:
        return
    for code, kind in ROBOTS.items():
        monkeypatch.setenv(f"QCITY_ALERT_{code}_WEBHOOK", robots.url(code))
        monkeypatch.setenv(f"QCITY_ALERT_{code}_WEBHOOK_KIND", kind)
    monkeypatch.setenv("QCITY_ALERT_YC_MARKET_REGULATION_WEBHOOK_SECRET", DINGTALK_SECRET)


@pytest.fixture
def contacts(monkeypatch: pytest.MonkeyPatch, robots: RobotSink) -> RobotSink:
    configure_contacts(monkeypatch, robots)
    return robots


def workbooks_for(con, results: list[LoadResult], out: Path) -> list[Path]:
    """What `qcity ingest` does after a run: write the workbooks, record them on the alerts."""
    from alerts.outbox import attach_workbooks

    written = write_workbooks(con, results, out, datetime.now())
    attach_workbooks(con, results, written)
    return written
