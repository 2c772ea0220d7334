"""`make airflow`: listening on this machine only unless told, and a private login file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.local_airflow import LOGIN_FILE, airflow_command, airflow_env

REPO = Path(__file__).resolve().parents[2]

# What `standalone()` does before starting Airflow, then Airflow's own first start of the
# simple auth manager (which writes the password file), under the usual umask 022.
FIRST_LOGIN = """
import os, sys
from pathlib import Path
os.umask(0o022)
from orchestration.local_airflow import configure, keep_login_private
home = Path(sys.argv[1])
configure(home)
keep_login_private(home)
from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager
SimpleAuthManager().init()
"""


def _first_login(home: Path) -> None:
    """FIRST_LOGIN in a process of its own: the umask and Airflow's config are per process."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_LOGIN, str(home)],
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _api_host(tmp_path: Path, **extra: str) -> str:
    """The host Airflow itself reads for the api-server under the project's environment."""
    env = {**airflow_env(tmp_path / "home"), **extra}
    done = airflow_command("config", "get-value", "api", "host", env=env)
    return done.stdout.strip().splitlines()[-1]


def test_the_ui_listens_on_this_machine_only_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QCITY_AIRFLOW_HOST", raising=False)
    assert airflow_env(tmp_path)["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert _api_host(tmp_path) == "127.0.0.1"
    monkeypatch.setenv("QCITY_AIRFLOW_HOST", "0.0.0.0")
    assert airflow_env(tmp_path)["AIRFLOW__API__HOST"] == "0.0.0.0"


def test_the_generated_password_file_is_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _first_login(home)
    password_file = home / LOGIN_FILE
    assert "admin" in json.loads(password_file.read_text())
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600


def test_a_readable_password_file_of_an_earlier_run_is_tightened(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    password_file = home / LOGIN_FILE
    password_file.write_text('{"admin": "secret"}\n')
    password_file.chmod(0o644)
    _first_login(home)
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert json.loads(password_file.read_text()) == {"admin": "secret"}
