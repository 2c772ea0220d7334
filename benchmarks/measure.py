"""Running a command in a child process and reading its wall time and peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    stdout: str
    #: user + system CPU seconds of the child (all its threads): on a shared machine this
    #: moves far less than the wall time
    cpu_seconds: float = 0.0


def run_python(args: list[str], env: dict[str, str] | None = None) -> Measured:
    """`python ARGS` in a child: wall time, and the child's own peak RSS and CPU time from
    wait4."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            stdout=out,
            stderr=err,
            env={**os.environ, **(env or {})},
            text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args[:4])} failed ({proc.returncode}): {stderr[-2000:]}")
    return Measured(seconds, usage.ru_maxrss / 1024, stdout, usage.ru_utime + usage.ru_stime)
