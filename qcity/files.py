"""Which files on disk are exports to process."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

#: Office lock files, partial downloads and hidden files are never exports.
_SKIP_PREFIXES = ("~$", ".", "~")
_SKIP_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".swp")


def is_candidate(path: Path) -> bool:
    """An export to process: not a lock or partial file, and not a symbolic link (a link in
    a landing folder may point anywhere on the machine)."""
    name = path.name
    return (
        not name.startswith(_SKIP_PREFIXES)
        and not name.lower().endswith(_SKIP_SUFFIXES)
        and not path.is_symlink()
    )


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the candidate files under any directory, in delivery order.

    A corrected re-export (`…-更正.csv`) must load after what it corrects, and its name may
    sort first: files are ordered by modification time, then name, as the landing folder
    orders them (orchestration.landing), whether found in a folder or listed one by one.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*") if is_candidate(p) and p.is_file()]
        else:
            found.append(path)
    return sorted(dict.fromkeys(found), key=delivery_order)


def delivery_order(path: Path) -> tuple[int, str, str]:
    """(modification time, name, path); a missing file sorts first, to be reported."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = -1
    return mtime, path.name, str(path)
