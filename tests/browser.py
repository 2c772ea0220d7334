"""Headless Chromium for the tests of pages people open (dashboard, Data Docs).

Chromium (Debian's `chromium` package; `.ci/run` installs it with a CJK font) loads a page
from disk with every host name unresolvable, so a page that needed the internet shows it.
Without Chromium a browser test fails under CI=true and skips elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("QCITY_CHROMIUM", "/usr/bin/chromium"))
PROJECT_ROOT = Path(__file__).resolve().parents[1]
WINDOW = (1400, 4000)


def artifacts_dir() -> Path:
    path = Path(os.environ.get("QCITY_ARTIFACTS_DIR", PROJECT_ROOT / "build" / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def require_chromium() -> Path:
    """Chromium's path; fails the test under CI=true when it is missing, skips elsewhere."""
    if not CHROMIUM.exists():
        message = (
            f"Chromium not found at {CHROMIUM} (apt-get install -y chromium fonts-wqy-microhei)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the browser test is required in CI: {message}")
        pytest.skip(message)
    return CHROMIUM


def run_chromium(
    chromium: Path, profiles: Path, url: str, *args: str, window: tuple[int, int] = WINDOW
) -> subprocess.CompletedProcess[str]:
    profile = profiles / f"profile-{uuid.uuid4().hex[:8]}"
    profile.mkdir(parents=True)
    command = [
        str(chromium),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # No name resolves: the page must render from the file alone.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--hide-scrollbars",
        f"--window-size={window[0]},{window[1]}",
        # Let the page's scripts (Plotly drawing the charts) finish before the dump.
        "--virtual-time-budget=15000",
        *args,
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done
