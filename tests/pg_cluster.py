"""A PostgreSQL server of the test's own, for tests that restart or stop it.

The machine's server on 5432 is shared by every test and every engineer: a test that must
restart PostgreSQL restarts this one instead, made with `initdb` in a temporary folder and
listening on a free port of 127.0.0.1 only (no Unix socket: temporary paths can be too
long for one). PostgreSQL refuses to run as root, so as root the server runs as the
`postgres` user, owner of the folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running server of the test's own."""

    bindir: Path
    data: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log(self) -> Path:
        return self.data.parent / "server.log"

    def pg_ctl(self, *args: str) -> None:
        """pg_ctl with the server's output to its log (a server started with our pipes as
        its output would keep them open after pg_ctl returns)."""
        subprocess.run(
            [*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w", *args],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def restart(self) -> None:
        """A fast restart: every session is ended, open transactions rolled back."""
        self.pg_ctl("restart", "-m", "fast", "-l", str(self.log))


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A fresh server, stopped and removed afterwards; skips where PostgreSQL's programs are
    not installed (fails in CI, where they must be)."""
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL's server programs are required in CI")
        pytest.skip("no /usr/lib/postgresql/*/bin")
    root = Path(tempfile.mkdtemp(prefix="qcity-pgcluster-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    port = _free_port()
    cluster = Cluster(bindir, data, port, as_user)
    try:
        subprocess.run(
            [
                *as_user,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c shared_buffers=16MB -c max_connections=20"
        )
        cluster.pg_ctl("start", "-o", options, "-l", str(cluster.log))
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)
