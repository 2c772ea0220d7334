"""Compatibility shim: apache-airflow-providers-celery 3.26 with Celery 5.7.

The provider imports `retry` from `celery.backends.database`, which Celery 5.7 removed (its
database backend now retries by itself), so `airflow celery worker` and the Celery executor
fail to import. The lock resolves Celery to 5.7; until `celery[redis]<5.7` is pinned, the
Celery processes put this folder on `PYTHONPATH` (the topology test, the Docker image) and
Python runs this file at start-up, giving the provider back the decorator it expects.
Nothing else uses it; with a Celery that still has `retry` this file does nothing.
"""

from __future__ import annotations

import functools
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


_install()
