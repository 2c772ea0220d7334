"""`qcity ...` for the tests: in a child process as a user runs it, or in this process.

A child process pays the interpreter's start and the imports (Great Expectations alone takes
about 3 s) on every call. Where the process boundary proves nothing, `run_qcity(...,
in_process=True)` invokes the same typer app with the same arguments and environment and
returns the same shape: exit code, stdout, stderr, and an uncaught exception's traceback on
stderr as the interpreter would print it (so "no Traceback on stderr" still means something).
Keep at least one real child process per command: exit codes and stderr as the shell sees
them are what those tests prove. In this process the environment is restored after each call,
so state a command keeps for the life of its process does not carry over: GX's context is
cached per build folder and finds its folders in environment variables it sets once, so a
second call with the same QCITY_BUILD_DIR fails. Sequences of calls on one build folder (the
generate-then-ingest end-to-end test) run as child processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from unittest import mock

COMMAND = [sys.executable, "-m", "qcity.cli"]


def run_qcity(
    *args: str,
    env: Mapping[str, str] | None = None,
    in_process: bool = False,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m qcity.cli ARGS` with `env` (the whole environment; default: this one)."""
    environment = dict(os.environ if env is None else env)
    if not in_process:
        return subprocess.run(
            [*COMMAND, *args], capture_output=True, text=True, env=environment, timeout=timeout
        )
    from typer.testing import CliRunner

    from qcity.cli import app

    with mock.patch.dict(os.environ, environment, clear=True):
        result = CliRunner().invoke(app, list(args), prog_name="qcity")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess([*COMMAND, *args], result.exit_code, result.stdout, stderr)
