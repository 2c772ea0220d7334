"""Reading ahead: a file's batches produced on a thread of their own.

A pipeline over the machine's cores: while the consumer judges batch n (and DuckDB writes
batch n-1), `ReadAhead` threads parse and read the batches after it (DuckDB and most Arrow
kernels release the GIL; Great Expectations does not).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

_T = TypeVar("_T")
_DONE = object()


class ReadAhead(Iterator[_T]):
    """`items`, produced on a thread of their own up to `depth` ahead of the consumer,
    starting at once (the caller can do slow work of its own meanwhile).

    An exception raised by `items` comes out of the consumer's `next` as itself. `close`
    (also on leaving a `with`) tells the producer to stop and waits for it; `items` is
    closed on the producer's thread, so a reader's resources are released.
    """

    def __init__(self, items: Iterator[_T], depth: int = 1) -> None:
        self._items = items
        self._handoff: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(depth)
        self._stop = threading.Event()
        self._finished = False
        self._producer = threading.Thread(target=self._produce, name="qcity-read-ahead")
        self._producer.daemon = True
        self._producer.start()

    def _put(self, item: object, error: BaseException | None = None) -> bool:
        while not self._stop.is_set():
            try:
                self._handoff.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    break
            else:
                self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, whatever it is
            self._put(_DONE, exc)
        finally:
            close = getattr(self._items, "close", None)
            if close:
                close()

    def __next__(self) -> _T:
        if self._finished:
            raise StopIteration
        item, error = self._handoff.get()
        if error is not None or item is _DONE:
            self.close()
            if error is not None:
                raise error
            raise StopIteration
        return item  # type: ignore[return-value]

    def close(self) -> None:
        self._finished = True
        self._stop.set()
        self._producer.join()

    def __enter__(self) -> ReadAhead[_T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
