"""Temporary files and folders a killed run left behind, removed when the next run starts.

A load spills to `qcity-load-*` in the temp folder, a GBK file is converted in `qcity-*`,
the PostgreSQL copy and publication stage in `qcity-pg*`, the dashboard is written to
`.index-*.html` beside `index.html` before its rename: a process killed meanwhile (OOM, a
task timeout, Ctrl-C twice) never reaches its clean-up, and the leftovers add up to
gigabytes over weeks. The next load or publication removes them, under three rules so
it can never take what it should not:

- only names with our prefix, only entries owned by this user (a shared /tmp has other
  users' and other programs' files), symlinks never followed nor removed;
- never one in use: a load's folder holds a lock (`mark_in_use`) for as long as the load
  runs, which the kernel drops when the process dies; for the others, only when
  everything inside is older than an hour (`STALE_AFTER_SECONDS`): each lives for
  seconds to a minute (10M rows load in about one), so nothing in use is that still.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path
from typing import IO

STALE_AFTER_SECONDS = 3600.0
# Every temporary folder qcity makes in the temp folder starts with this.
TEMP_PREFIX = "qcity-"
_IN_USE = ".in-use"


def mark_in_use(folder: Path) -> IO[bytes]:
    """Lock `folder` against clean-up for as long as the returned file stays open."""
    handle = (folder / _IN_USE).open("wb")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _in_use(folder: Path) -> bool:
    try:
        with (folder / _IN_USE).open("rb") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:  # no marker (not a folder, or not one of ours that marks)
        return False
    return False


def _newest_mtime(path: Path, info: os.stat_result) -> float:
    """The latest modification time of `path` and, for a folder, of anything under it."""
    newest = info.st_mtime
    if stat.S_ISDIR(info.st_mode):
        for root, dirs, files in os.walk(path):  # does not follow symlinks
            for name in dirs + files:
                with contextlib.suppress(OSError):
                    newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
    return newest


def remove_stale(
    directory: Path, prefix: str, older_than: float = STALE_AFTER_SECONDS
) -> list[Path]:
    """Remove our entries of `directory` named `prefix*` untouched for `older_than` seconds.

    Returns what was removed. Never raises: a leftover another process removes first, or
    one we cannot remove, is no reason to stop a load.
    """
    cutoff = time.time() - older_than
    removed = []
    try:
        entries = [e for e in os.scandir(directory) if e.name.startswith(prefix)]
    except OSError:
        return []
    for entry in entries:
        path = Path(entry.path)
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
                continue
            if _newest_mtime(path, info) >= cutoff:
                continue
            if stat.S_ISDIR(info.st_mode) and _in_use(path):
                continue
            if stat.S_ISDIR(info.st_mode):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def remove_stale_temp() -> list[Path]:
    """Our stale folders and files in the temp folder (`qcity-*`), from killed runs."""
    return remove_stale(Path(tempfile.gettempdir()), TEMP_PREFIX)
