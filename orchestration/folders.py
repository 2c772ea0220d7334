"""The landing, archive and rejected folders: the only module that knows where they are.

`QCITY_LANDING` (default `landing/` in the project) holds one sub-folder per source, named
as the source contract (`landing/market_sampling/`), plus `landing/_unsorted/` for files
whose source is detected from their headers. Processed files move to `archive/<folder>/`
(loaded or duplicate) or `rejected/<folder>/` with their sha256 in the name; both sit
beside the landing folder unless `QCITY_ARCHIVE` / `QCITY_REJECTED` say otherwise.

Every path the pipeline reads or writes is built here from a checked folder name and
checked against these three roots, so a crafted file name or a symlink can never make the
pipeline touch anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qcity.settings import archive_root, landing_root, rejected_root

#: Files dropped here have their source detected from their headers.
UNSORTED = "_unsorted"
#: Snapshots of files being loaded live under the archive root, in a hidden folder.
STAGING = ".staging"

_FOLDER_NAME = re.compile(r"^_?[a-z][a-z0-9_]*$")


class UnsafePath(ValueError):
    """A path that would leave the landing, archive or rejected folders."""


def check_folder_name(name: str) -> str:
    """A landing sub-folder name: a source name or `_unsorted`, nothing that walks paths."""
    if not _FOLDER_NAME.match(name):
        raise UnsafePath(f"not a landing folder name: {name!r}")
    return name


def check_relative(name: str) -> str:
    """A file's path inside its landing folder: relative, no `..`, no hidden parts."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise UnsafePath(f"not a relative file name: {name!r}")
    if any(p.startswith(".") for p in parts) or "\\" in name or "\x00" in name:
        raise UnsafePath(f"not a relative file name: {name!r}")
    return name


@dataclass(frozen=True)
class Folders:
    landing: Path
    archive: Path
    rejected: Path

    @classmethod
    def from_env(cls) -> Folders:
        return cls(landing=landing_root(), archive=archive_root(), rejected=rejected_root())

    def roots(self) -> tuple[Path, Path, Path]:
        return (self.landing, self.archive, self.rejected)

    def landing_dir(self, folder: str) -> Path:
        return self.landing / check_folder_name(folder)

    def landing_file(self, folder: str, name: str) -> Path:
        return self._inside(self.landing_dir(folder) / check_relative(name), self.landing)

    def destination_dir(self, folder: str, status: str) -> Path:
        """Where a file of this outcome goes: rejected files apart, everything else archived."""
        root = self.rejected if status == "rejected" else self.archive
        return root / check_folder_name(folder)

    def staging_dir(self, token: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{8,64}", token):
            raise UnsafePath(f"not a staging token: {token!r}")
        return self.archive / STAGING / token

    def _inside(self, path: Path, root: Path) -> Path:
        """`path` with its parent resolved, refused unless it lies under `root`."""
        resolved = path.parent.resolve() / path.name
        if not resolved.is_relative_to(root.resolve()):
            raise UnsafePath(f"{path} is outside {root}")
        return resolved

    def check_inside(self, path: Path) -> Path:
        """Refuse any path outside the three roots (the last line of defence for moves)."""
        for root in self.roots():
            if (path.parent.resolve() / path.name).is_relative_to(root.resolve()):
                return path
        raise UnsafePath(f"{path} is outside the landing, archive and rejected folders")
