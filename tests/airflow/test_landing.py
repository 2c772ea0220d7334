"""Which landing files are ready, and moving them without ever leaving the three folders."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from orchestration.folders import Folders, UnsafePath, check_folder_name, check_relative
from orchestration.landing import (
    ReadyFile,
    archived_name,
    destination,
    list_ready,
    place,
    release,
    snapshot,
)

SHA = "ab" * 32


@pytest.fixture
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "landing", tmp_path / "archive", tmp_path / "rejected")


def drop(folders: Folders, name: str, text: str = "x", age: float = 600) -> Path:
    path = folders.landing_dir("market_sampling") / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def names(listing) -> list[str]:
    return [f.name for f in listing.ready]


def test_office_lock_partial_hidden_and_temporary_files_are_never_listed(folders) -> None:
    for name in ("~$抽检.xlsx", ".抽检.csv", "抽检.csv.part", "抽检.tmp", ".git/抽检.csv"):
        drop(folders, name)
    drop(folders, "抽检合格.csv")
    assert names(list_ready(folders, "market_sampling")) == ["抽检合格.csv"]


def test_a_file_modified_in_the_last_seconds_waits_for_the_next_run(folders) -> None:
    drop(folders, "old.csv")
    drop(folders, "still_copying.csv", age=1)
    listing = list_ready(folders, "market_sampling", settle=10)
    assert names(listing) == ["old.csv"]
    assert listing.waiting == ["still_copying.csv"]


def test_files_are_listed_in_delivery_order(folders) -> None:
    drop(folders, "b_更正.csv", age=100)
    drop(folders, "a.csv", age=200)
    drop(folders, "sub/c.csv", age=300)
    assert names(list_ready(folders, "market_sampling")) == ["sub/c.csv", "a.csv", "b_更正.csv"]


def test_symlinks_are_never_followed(folders, tmp_path: Path) -> None:
    secret = tmp_path / "outside.csv"
    secret.write_text("not an export", encoding="utf-8")
    (tmp_path / "outside_dir").mkdir()
    (tmp_path / "outside_dir" / "x.csv").write_text("x", encoding="utf-8")
    landing = folders.landing_dir("market_sampling")
    landing.mkdir(parents=True)
    (landing / "link.csv").symlink_to(secret)
    (landing / "linked_dir").symlink_to(tmp_path / "outside_dir")
    assert names(list_ready(folders, "market_sampling")) == []


def test_hard_links_are_treated_like_symlinks(folders, tmp_path: Path) -> None:
    """A hard link is the outside file itself under a landing name: never listed nor read."""
    secret = tmp_path / "outside.csv"
    secret.write_text("not an export", encoding="utf-8")
    os.utime(secret, (time.time() - 600, time.time() - 600))
    landing = folders.landing_dir("market_sampling")
    landing.mkdir(parents=True)
    os.link(secret, landing / "link.csv")
    assert names(list_ready(folders, "market_sampling")) == []

    # Linked after it was listed: no snapshot is taken, and the file stays where it is.
    path = drop(folders, "a.csv", "one")
    listed = _listed(folders, "a.csv")
    os.link(path, tmp_path / "elsewhere.csv")
    assert snapshot(folders, listed, "0123456789abcdef") is None
    assert release(folders, listed) is False and path.exists()


def test_a_missing_landing_folder_lists_nothing(folders) -> None:
    assert names(list_ready(folders, "market_sampling")) == []


@pytest.mark.parametrize("name", ["../x.csv", "/etc/passwd", "a/../../x.csv", ".hidden", ""])
def test_paths_that_would_leave_the_landing_folder_are_refused(folders, name: str) -> None:
    with pytest.raises(UnsafePath):
        check_relative(name)
    with pytest.raises(UnsafePath):
        folders.landing_file("market_sampling", name)


@pytest.mark.parametrize("name", ["../etc", "Market", "a/b", "", ".x"])
def test_folder_names_are_source_names_only(name: str) -> None:
    with pytest.raises(UnsafePath):
        check_folder_name(name)


def test_moves_are_refused_outside_the_three_folders(folders, tmp_path: Path) -> None:
    staged = tmp_path / "elsewhere.csv"
    staged.write_text("x", encoding="utf-8")
    with pytest.raises(UnsafePath):
        place(folders, staged, folders.archive / "x.csv")
    with pytest.raises(UnsafePath):
        folders.check_inside(tmp_path / "archive2" / "x.csv")


def test_the_archived_name_carries_the_sha256_and_keeps_the_extension() -> None:
    assert archived_name("抽检结果.xlsx", SHA) == f"抽检结果.{SHA}.xlsx"
    assert archived_name("README", SHA) == f"README.{SHA}"
    long = archived_name("很长的文件名" * 40 + ".csv", SHA)
    assert len(long.encode()) <= 255 and long.endswith(f".{SHA}.csv")


def test_destination_mirrors_the_landing_path_under_archive_or_rejected(folders) -> None:
    listed = ReadyFile("market_sampling", "2025/抽检.csv", 1, 1, 1)
    assert destination(folders, listed, "loaded", SHA) == (
        folders.archive / "market_sampling" / "2025" / f"抽检.{SHA}.csv"
    )
    assert destination(folders, listed, "rejected", SHA).is_relative_to(folders.rejected)


def _listed(folders, name: str) -> ReadyFile:
    return next(f for f in list_ready(folders, "market_sampling").ready if f.name == name)


def test_a_snapshot_is_only_taken_of_the_file_as_listed(folders) -> None:
    path = drop(folders, "a.csv", "one")
    listed = _listed(folders, "a.csv")
    copy = snapshot(folders, listed, "0123456789abcdef")
    assert copy is not None and copy.read_text(encoding="utf-8") == "one"
    path.write_text("one, and more rows", encoding="utf-8")  # still being written
    assert snapshot(folders, listed, "fedcba9876543210") is None
    assert not (folders.archive / ".staging" / "fedcba9876543210").exists()


def test_release_keeps_a_file_replaced_since_it_was_listed(folders) -> None:
    path = drop(folders, "sub/a.csv", "one")
    listed = _listed(folders, "sub/a.csv")
    replacement = path.with_name("new.csv")
    replacement.write_text("two", encoding="utf-8")
    os.replace(replacement, path)  # a corrected file saved over the old one
    assert release(folders, listed) is False
    assert path.read_text(encoding="utf-8") == "two"
    os.utime(path, (listed.mtime_ns / 1e9, listed.mtime_ns / 1e9))
    assert release(folders, _listed(folders, "sub/a.csv")) is True
    assert not path.exists() and not path.parent.exists()  # the emptied sub-folder goes too
    assert folders.landing_dir("market_sampling").exists()
