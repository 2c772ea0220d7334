"""Two threads importing validation at once, as the loader does, both get it.

The loader imports Great Expectations on a second thread while the first reads the file;
when the first reaches validation before the import is done, both threads are inside
GX's circular imports at once. Without one gate (`ingestion.pipeline.validation`) that
died of `_DeadlockError` in CI (`qcity ingest` of twelve 200,000-row files). Each run is a
fresh interpreter, the only place where the import really happens.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

RACE = """
import sys, threading, time
from ingestion import pipeline

errors = []
barrier = threading.Barrier(2)

def load(module, delay):
    barrier.wait()
    time.sleep(delay)
    try:
        pipeline.validation(module)
    except BaseException as exc:
        errors.append(repr(exc))

delay = float(sys.argv[1])
threads = [
    threading.Thread(target=load, args=("runner", 0.0)),
    threading.Thread(target=load, args=("docs", delay)),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors or "ok")
"""


@pytest.mark.parametrize("delay", [0.1, 0.5])
def test_two_threads_importing_validation_at_once_both_get_it(delay: float) -> None:
    """Without the gate these two delays (the second thread arriving mid-import) failed
    every time on this machine."""
    run = subprocess.run(
        [sys.executable, "-c", RACE, str(delay)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok", run.stdout + run.stderr
