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


#: When the second thread asks: without the gate both failed every time on this machine.
DELAYS = (0.1, 0.5)


def test_two_threads_importing_validation_at_once_both_get_it() -> None:
    """One fresh interpreter per delay, run side by side."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(delay)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for delay in DELAYS
    ]
    for delay, run in zip(DELAYS, runs, strict=True):
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, (delay, err)
        assert out.strip() == "ok", (delay, out + err)
