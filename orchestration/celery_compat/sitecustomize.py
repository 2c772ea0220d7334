"""Compatibility shim: apache-airflow-providers-celery 3.26 with Celery 5.7.

The provider imports `retry` from `celery.backends.database`, which Celery 5.7 removed (its
database backend now retries by itself), so `airflow celery worker` and the Celery executor
fail to import. The lock resolves Celery to 5.7; until `celery[redis]<5.7` is pinned, the
Celery processes put this folder on `PYTHONPATH` (the topology test, the Docker image) and
Python runs this file at start-up, giving the provider back the decorator it expects.
Nothing else uses it; with a Celery that still has `retry` this file does nothing.

Second gap, same pair: the executor reads task states from the database result backend,
where Celery 5.7 keeps a failed task's exception as JSON bytes; the provider hands those
bytes to `exception_to_python`, which accepts only a dict, and the scheduler dies (seen when
a worker was stopped with a task in flight: `WorkerLostError` stored as bytes). Such bytes
are decoded to the dict they hold first; anything else goes on as before.
"""

from __future__ import annotations

import functools
import json
import time


def _install() -> None:
    try:
        import celery.backends.database as database
    except ImportError:
        return
    if hasattr(database, "retry"):
        return

    def retry(fun):
        """Retry a result-backend query on a database error, as Celery <= 5.6 did."""

        @functools.wraps(fun)
        def wrapper(*args, **kwargs):
            from sqlalchemy.exc import DatabaseError, InvalidRequestError

            for attempt in range(3):
                try:
                    return fun(*args, **kwargs)
                except (DatabaseError, InvalidRequestError):
                    if attempt == 2:
                        raise
                    time.sleep(0.5 * (attempt + 1))
            return None

        return wrapper

    database.retry = retry


def _install_stored_exception_decoding() -> None:
    try:
        from celery.backends.base import Backend
    except ImportError:
        return
    to_python = Backend.exception_to_python
    if getattr(to_python, "decodes_stored_json", False):
        return

    @functools.wraps(to_python)
    def exception_to_python(self, exc):
        if isinstance(exc, bytes | str):
            try:
                decoded = json.loads(exc)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                exc = decoded
        return to_python(self, exc)

    exception_to_python.decodes_stored_json = True
    Backend.exception_to_python = exception_to_python


_install()
_install_stored_exception_decoding()
