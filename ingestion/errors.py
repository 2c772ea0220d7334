"""The two ways a file can fail to load, and the one place that tells them apart.

`FileRejected` is a decision about the file's content: it is recorded as `rejected`, the
department is told, and the same bytes are rejected again whenever they come back.
`LoadFault` is the machine's problem (a full disk, a permission, memory, a lock, a lost
connection to a PostgreSQL warehouse, a bug in our code): nothing is recorded, the
department is not told, the data team is, and a later run tries the file again. Any exception that is not a `FileRejected` is a fault
(`as_fault`): only code that has looked at the bytes may blame them.
"""

from __future__ import annotations

import errno

from ingestion.contracts import messages


class FileRejected(Exception):
    """A file-level problem: nothing of the file is loaded.

    `rule` is a key of the `file:` section of messages.yaml, so the clerk's sentence, the
    data team's sentence and the alert all come from one place. `detail` fills the English
    sentence and, unless `detail_zh` is given, the Chinese one too: a detail in words (a
    library's error, a format's name) must come in Chinese for the clerk as well; numbers
    and the file's own text serve both.
    """

    def __init__(self, rule: str, detail: str = "", detail_zh: str | None = None) -> None:
        if rule not in messages()["file"]:
            raise KeyError(f"unknown file rule {rule!r}")
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail
        self.detail_zh = detail if detail_zh is None else detail_zh

    def message_zh(self, file_name: str) -> str:
        return messages()["file"][self.rule]["zh"].format(file=file_name, detail=self.detail_zh)

    def message_en(self, file_name: str) -> str:
        return messages()["file"][self.rule]["en"].format(file=file_name, detail=self.detail)


class LoadFault(Exception):
    """The machine failed while handling a file; the file itself was not judged.

    `kind` is a key of the `fault:` section of messages.yaml. Never recorded as a
    rejection: the caller leaves the file where it is and tries again later.
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        if kind not in messages()["fault"]:
            raise KeyError(f"unknown fault kind {kind!r}")
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail

    def message_zh(self, file_name: str) -> str:
        return messages()["fault"][self.kind]["zh"].format(file=file_name, detail=self.detail)

    def message_en(self, file_name: str) -> str:
        return messages()["fault"][self.kind]["en"].format(file=file_name, detail=self.detail)

    def sentence(self, file_name: str) -> str:
        """The one line a person reads: Chinese, then English for the data team."""
        return f"{self.message_zh(file_name)} / {self.message_en(file_name)}"


_ERRNO_KINDS = {
    errno.ENOSPC: "disk_full",
    errno.EDQUOT: "disk_full",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "permission",
    errno.ENOMEM: "out_of_memory",
}
#: Phrases of the first line of a message from DuckDB or Arrow, which often carry no errno.
_PHRASES = (
    ("no space left on device", "disk_full"),
    ("disk quota exceeded", "disk_full"),
    ("permission denied", "permission"),
    ("read-only file system", "permission"),
    ("out of memory", "out_of_memory"),
    ("cannot allocate memory", "out_of_memory"),
    ("std::bad_alloc", "out_of_memory"),
    ("could not set lock on file", "busy"),
    ("conflicting lock is held", "busy"),
)


def machine_fault(exc: BaseException) -> str | None:
    """The fault kind when `exc` is plainly the machine's (disk, permission, memory, lock,
    an I/O error with an errno), else None.

    Only the first line of a message is read: DuckDB's CSV errors quote the offending row
    on the lines below, and a clerk's cell must not pass for a machine fault.
    """
    import duckdb

    if isinstance(exc, MemoryError | duckdb.OutOfMemoryException):
        return "out_of_memory"
    first = (str(exc).strip().splitlines() or [""])[0].lower()
    for phrase, kind in _PHRASES:
        if phrase in first:
            return kind
    code = getattr(exc, "errno", None)
    if isinstance(exc, OSError) and code:
        return _ERRNO_KINDS.get(code, "io")
    if isinstance(exc, duckdb.IOException) or _database_out_of_reach(exc):
        return "io"
    return None


def _database_out_of_reach(exc: BaseException) -> bool:
    """A PostgreSQL warehouse that went away or would not let us on: the server restarted
    or shut down, the connection was lost or refused, a lock or statement timed out, a
    transaction was cancelled as a deadlock or serialisation victim (psycopg2's
    OperationalError covers these; InterfaceError is a connection already closed). Never
    the file's doing; a full disk or memory on the server is told by its phrase above."""
    import psycopg2

    return isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)


def as_fault(exc: BaseException) -> LoadFault:
    """`exc` as the machine's fault: its kind if it is plainly one, a bug otherwise."""
    if isinstance(exc, LoadFault):
        return exc
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    detail = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    return LoadFault(machine_fault(exc) or "bug", detail)
