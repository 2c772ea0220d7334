"""A task supervisor frees its slot when the task process ends, not a heartbeat later.

The task process below does what a big one does at its end: every channel to the
supervisor closes, then the process lingers a moment before it is gone. Airflow's
supervisor alone then sleeps out `[workers] min_heartbeat_interval` (set to a minute
here; 5 s by default, which made each of the warehouse DAG's ~120 tasks hold its worker
slot 5 s); with `orchestration.task_exit` it is woken as the process ends.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from unittest import mock

import pytest
from airflow.sdk.execution_time import supervisor
from airflow.sdk.execution_time.supervisor import ActivitySubprocess, WatchedSubprocess

from orchestration import task_exit
from orchestration.task_exit import wake_supervisors_on_task_exit

HEARTBEAT_INTERVAL = 60
LINGER = 1.0


def closes_its_channels_then_lingers() -> None:
    os.closerange(0, 4096)
    time.sleep(LINGER)


@pytest.fixture
def supervisors_woken_on_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wake-up installed for this test only, with a long heartbeat interval and no
    API server (the start message to the task process is what needs one)."""
    monkeypatch.setattr(
        WatchedSubprocess, "_register_pipe_readers", WatchedSubprocess._register_pipe_readers
    )
    monkeypatch.setattr(WatchedSubprocess, task_exit._INSTALLED, False, raising=False)
    monkeypatch.setattr(supervisor, "MIN_HEARTBEAT_INTERVAL", HEARTBEAT_INTERVAL)
    monkeypatch.setattr(ActivitySubprocess, "_on_child_started", lambda self, **_: None)
    assert wake_supervisors_on_task_exit(), "no pidfd_open here"


def test_the_supervisor_sees_the_task_process_end_at_once(supervisors_woken_on_exit) -> None:
    open_before = len(os.listdir("/proc/self/fd"))
    started = time.monotonic()
    process = ActivitySubprocess.start(
        what=mock.MagicMock(id=uuid.uuid4()),
        dag_rel_path="qcity_warehouse.py",
        bundle_info=None,
        client=mock.MagicMock(),
        target=closes_its_channels_then_lingers,
    )
    # A bound on waiting: a forked child that hangs is killed, and the test fails below.
    watchdog = threading.Timer(HEARTBEAT_INTERVAL * 2, os.kill, (process.pid, signal.SIGKILL))
    watchdog.start()
    try:
        exit_code = process.wait()
    finally:
        watchdog.cancel()
    took = time.monotonic() - started
    del process

    assert exit_code == 0
    # Not a speed bound: without the wake-up this is the heartbeat interval, a minute.
    assert LINGER <= took < HEARTBEAT_INTERVAL / 2, took
    assert len(os.listdir("/proc/self/fd")) == open_before, "a pidfd left open"
