"""Which dropped files are ready, and moving them to the archive or rejected folder safely.

A file is ready when it is an export (`qcity.files.is_candidate`: no `~$*`, `*.part`,
hidden files), a regular file rather than a symlink or hard link, and has not been modified for
`QCITY_SETTLE_SECONDS` (default 10): a copy still in progress, or a file a clerk is still
saving, waits for the next run. Ready files are listed in delivery order (modification
time, then name), which is the order they must be loaded in: a corrected re-export after
the file it corrects.

The listing remembers each file's size, modification time and inode. A file is only
loaded from a private snapshot taken while it still matches the listing, and the landing
copy is only removed while it still matches; a file replaced or still growing after it was
listed stays in the landing folder for the next run, so nothing is ever half-loaded.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.folders import Folders, UnsafePath, check_relative
from qcity.files import is_candidate
from qcity.settings import settle_seconds

#: Longest file name most file systems accept, in bytes.
_NAME_MAX = 255


@dataclass(frozen=True)
class ReadyFile:
    """A landing file as it was when listed."""

    folder: str
    name: str  # path inside the landing folder, "/"-separated
    size: int
    mtime_ns: int
    inode: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ReadyFile:
        return cls(**{k: data[k] for k in ("folder", "name", "size", "mtime_ns", "inode")})

    def matches(self, st: os.stat_result) -> bool:
        return (st.st_ino, st.st_size, st.st_mtime_ns) == (self.inode, self.size, self.mtime_ns)


@dataclass(frozen=True)
class Listing:
    ready: list[ReadyFile]
    #: files seen but not ready yet (modified within the settle window)
    waiting: list[str]


def list_ready(
    folders: Folders,
    folder: str,
    settle: float | None = None,
    now: Callable[[], float] = time.time,
) -> Listing:
    """The folder's ready files in delivery order, and the names of those still settling."""
    root = folders.landing_dir(folder)
    if not root.is_dir() or root.is_symlink():
        return Listing([], [])
    settle = settle_seconds() if settle is None else settle
    cutoff_ns = int((now() - settle) * 1e9)
    ready: list[ReadyFile] = []
    waiting: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in filenames:
            path = Path(dirpath) / filename
            name = path.relative_to(root).as_posix()
            if not is_candidate(path):
                continue
            try:
                check_relative(name)
                st = path.lstat()
            except (UnsafePath, OSError):
                continue
            if not _own_file(st):
                continue  # symlinks, hard links, fifos, sockets: never followed, never read
            if st.st_mtime_ns > cutoff_ns:
                waiting.append(name)
                continue
            ready.append(ReadyFile(folder, name, st.st_size, st.st_mtime_ns, st.st_ino))
    ready.sort(key=lambda f: (f.mtime_ns, f.name))
    return Listing(ready, sorted(waiting))


def _own_file(st: os.stat_result) -> bool:
    """A regular file with one name: never a symlink, nor a hard link (`st_nlink > 1`).

    A hard link in landing/ is a second name for a file that may live anywhere on the same
    file system (a department's share, /etc): read like a symlink, it would read outside
    the three folders, so it is passed over the same way.
    """
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1


def current_stat(path: Path) -> os.stat_result | None:
    """The file's own status (never a symlink's target, never a hard link), or None."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    return st if _own_file(st) else None


def snapshot(folders: Folders, listed: ReadyFile, token: str) -> Path | None:
    """Copy the landing file into a private staging folder, under its own name.

    Returns None, leaving nothing behind, when the file is gone or differs from the
    listing before or after the copy (it is being rewritten: the next run takes it).
    """
    source = folders.landing_file(listed.folder, listed.name)
    before = current_stat(source)
    if before is None or not listed.matches(before):
        return None
    staging = folders.staging_dir(token)
    staging.mkdir(parents=True, exist_ok=True)
    copy = staging / Path(listed.name).name
    with source.open("rb") as src, copy.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    after = current_stat(source)
    if after is None or not listed.matches(after):
        discard_staging(folders, token)
        return None
    return copy


def discard_staging(folders: Folders, token: str) -> None:
    shutil.rmtree(folders.staging_dir(token), ignore_errors=True)


def archived_name(name: str, sha256: str) -> str:
    """`抽检信息.xlsx` → `抽检信息.<sha256>.xlsx`, shortening the stem to fit 255 bytes."""
    path = Path(name)
    suffix = path.suffix if len(path.suffix) <= 10 else ""
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    room = _NAME_MAX - len(f".{sha256}{suffix}".encode())
    encoded = stem.encode()
    if len(encoded) > room:
        stem = encoded[:room].decode("utf-8", errors="ignore")
    return f"{stem}.{sha256}{suffix}"


def destination(folders: Folders, listed: ReadyFile, status: str, sha256: str) -> Path:
    """Where the file goes: its landing sub-path mirrored, its sha256 in the name."""
    relative = Path(listed.name)
    target = folders.destination_dir(listed.folder, status) / relative.parent
    return folders.check_inside(target / archived_name(relative.name, sha256))


def place(folders: Folders, staged: Path, target: Path) -> None:
    """Move the loaded snapshot to its final place; same name means same bytes, keep one."""
    folders.check_inside(staged)
    folders.check_inside(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        staged.unlink()
        return
    try:
        os.replace(staged, target)
    except OSError:  # another file system: copy, then remove
        shutil.move(str(staged), str(target))


def release(folders: Folders, listed: ReadyFile) -> bool:
    """Remove the landing copy if it is still the file that was listed; True when removed.

    A file replaced since (new inode, size or mtime) is a new delivery and stays.
    """
    source = folders.landing_file(listed.folder, listed.name)
    st = current_stat(source)
    if st is None or not listed.matches(st):
        return False
    source.unlink()
    _prune_empty_dirs(source.parent, folders.landing_dir(listed.folder))
    return True


def _prune_empty_dirs(directory: Path, stop: Path) -> None:
    """Remove sub-folders a department created that are now empty (never `stop` itself)."""
    while directory != stop and directory.is_relative_to(stop):
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent
