"""Settings are read in one place: `qcity/settings.py`, and docs/settings.md lists them all.

The scan reads the syntax tree of every module of the project's packages (the DAGs and the
benchmarks included) and names each place outside `qcity/settings.py` that reads a `QCITY_`
variable: `.get`, `getenv`, `pop`, `setdefault`, a subscript or an `in` test keyed by a
`QCITY_` string (written out, through a module constant, or built by an f-string), and any
read of `os.environ` by a key it cannot see. Writes (a child process's environment, a
variable set for a library) and messages that name a variable are not reads.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from qcity import settings
from qcity.settings import PROJECT_ROOT, SETTINGS

SCANNED = (
    "qcity",
    "ingestion",
    "warehouse",
    "orchestration",
    "alerts",
    "reports",
    "sample_data",
    "dags",
    "benchmarks",
)
SETTINGS_MODULE = PROJECT_ROOT / "qcity" / "settings.py"
DOCS_PAGE = PROJECT_ROOT / "docs" / "settings.md"
_READS = {"get", "getenv", "pop", "setdefault"}
_VARIABLE = re.compile(r"QCITY_[A-Z0-9_]*[A-Z0-9]")  # not a prefix of an f-string


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a string: `ROLE_ENV = "QCITY_..."`."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    found[target.id] = node.value.value
    return found


def _names_a_variable(node: ast.expr, constants: dict[str, str]) -> bool:
    """A key that is, or builds, a `QCITY_` variable's name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.startswith("QCITY_")
    if isinstance(node, ast.Name):
        return constants.get(node.id, "").startswith("QCITY_")
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        first = node.values[0] if node.values else None
        return (
            isinstance(first, ast.Constant)
            and str(first.value).startswith("QCITY_")
            and not any(re.search(r"\s", str(p)) for p in parts)
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _names_a_variable(node.left, constants)
    return False


def _is_os_environ(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "environ":
        return isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id == "environ"


def _is_getenv(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute) and func.attr == "getenv":
        return isinstance(func.value, ast.Name) and func.value.id == "os"
    return isinstance(func, ast.Name) and func.id == "getenv"


def _unknown_key(node: ast.expr) -> bool:
    """A key the scan cannot read: anything but a string written out."""
    return not (isinstance(node, ast.Constant) and isinstance(node.value, str))


def environment_reads(source: str) -> list[tuple[int, str]]:
    """(line, why) of each read of a `QCITY_` variable in a module's source."""
    tree = ast.parse(source)
    constants = _constants(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            key = node.args[0]
            func = node.func
            reader = _is_getenv(func) or (isinstance(func, ast.Attribute) and func.attr in _READS)
            if not reader:
                continue
            from_environ = _is_getenv(func) or (
                isinstance(func, ast.Attribute) and _is_os_environ(func.value)
            )
            if _names_a_variable(key, constants):
                found.append((node.lineno, f"reads {ast.unparse(key)}"))
            elif from_environ and _unknown_key(key):
                found.append((node.lineno, f"reads os.environ[{ast.unparse(key)}]"))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _names_a_variable(node.slice, constants):
                found.append((node.lineno, f"reads {ast.unparse(node.slice)}"))
            elif _is_os_environ(node.value) and _unknown_key(node.slice):
                found.append((node.lineno, f"reads os.environ[{ast.unparse(node.slice)}]"))
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn) for op in node.ops
        ):
            if _names_a_variable(node.left, constants):
                found.append((node.lineno, f"tests {ast.unparse(node.left)} in the environment"))
        elif isinstance(node, ast.JoinedStr) and _names_a_variable(node, constants):
            found.append((node.lineno, f"builds a variable's name {ast.unparse(node)}"))
    return sorted(set(found))


def _modules() -> list[Path]:
    return sorted(
        path
        for package in SCANNED
        for path in (PROJECT_ROOT / package).rglob("*.py")
        if path != SETTINGS_MODULE
    )


@pytest.mark.parametrize(
    "source",
    [
        'import os\nos.environ.get("QCITY_X")',
        'import os\nos.getenv("QCITY_X", "1")',
        'import os\nos.environ["QCITY_X"]',
        'def f(env):\n    return env.get("QCITY_X")',
        'def f(env):\n    return "QCITY_X" in env',
        'import os\nNAME = "QCITY_X"\nos.environ.get(NAME)',
        "import os\ndef f(var):\n    return os.environ.get(var)",
        'def f(env, code):\n    return env[f"QCITY_ALERT_{code}_EMAIL"]',
        'def key(code):\n    return f"QCITY_ALERT_{code}_EMAIL"',
        'import os\nos.environ.pop("QCITY_X", None)',
    ],
)
def test_the_scan_finds_a_read(source: str) -> None:
    assert environment_reads(source)


@pytest.mark.parametrize(
    "source",
    [
        'import os\nos.environ["QCITY_X"] = "1"',
        'import os\nNAME = "QCITY_X"\nos.environ[NAME] = "1"',
        'import os\nenv = {**os.environ, "QCITY_X": "1"}',
        'import os\nos.environ.get("AIRFLOW_HOME")',
        'raise ValueError(f"QCITY_X must be one of {MODES}")',
        'msg = f"no address for {code} (set QCITY_ALERT_{code}_EMAIL)"',
        '"""Reads `QCITY_X`."""',
        'run(env={"QCITY_X": "1"})',
    ],
)
def test_the_scan_passes_over_what_is_no_read(source: str) -> None:
    assert environment_reads(source) == []


def test_no_module_but_the_settings_reads_a_qcity_variable() -> None:
    reads = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}: {why}"
        for path in _modules()
        for line, why in environment_reads(path.read_text(encoding="utf-8"))
    ]
    assert reads == [], "read these through an accessor of qcity/settings.py:\n" + "\n".join(reads)


def test_every_variable_the_settings_read_is_listed() -> None:
    """A variable read in qcity/settings.py but missing from SETTINGS, or listed twice."""
    tree = ast.parse(SETTINGS_MODULE.read_text(encoding="utf-8"))
    listed = [s.variable for s in SETTINGS]
    read = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _VARIABLE.fullmatch(node.value)
    }
    assert sorted(read - set(listed)) == []
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.variable)
def test_each_setting_says_what_it_changes_and_its_default(setting: settings.Setting) -> None:
    """The accessor's docstring names the variable; the page has what and default."""
    doc = " ".join((setting.accessor.__doc__ or "").split())
    named = setting.variable.replace("QCITY_ALERT_<CODE>", "")  # the family: `_WEBHOOK`...
    assert named in doc or setting.variable in doc
    assert setting.what and setting.default


def test_the_settings_page_is_generated_from_the_module() -> None:
    assert DOCS_PAGE.read_text(encoding="utf-8") == settings.settings_page(), (
        "docs/settings.md is stale: python -m qcity.settings > docs/settings.md"
    )


def test_settings_are_read_when_asked_not_when_imported(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QCITY_LANDING", str(tmp_path / "in"))
    monkeypatch.delenv("QCITY_ARCHIVE", raising=False)
    monkeypatch.setenv("QCITY_SETTLE_SECONDS", "0.5")
    assert settings.landing_root() == (tmp_path / "in").resolve()
    assert settings.archive_root() == (tmp_path / "archive").resolve()
    assert settings.settle_seconds() == 0.5
    monkeypatch.delenv("QCITY_SETTLE_SECONDS")
    assert settings.settle_seconds() == settings.DEFAULT_SETTLE_SECONDS


def test_a_departments_contact_is_read_by_its_code() -> None:
    env = {"QCITY_ALERT_SCJGJ_EMAIL": "a@example.org", "QCITY_ALERT_SCJGJ_WEBHOOK_KIND": ""}
    assert settings.alert_contact("scjgj", "EMAIL", env) == "a@example.org"
    assert settings.alert_contact("SCJGJ", "WEBHOOK_KIND", env) == ""  # set: clears
    assert settings.alert_contact("SCJGJ", "WEBHOOK", env) is None
    with pytest.raises(ValueError, match="unknown alert contact field"):
        settings.alert_contact("SCJGJ", "PHONE", env)


def test_postgres_settings_take_another_environment() -> None:
    env = {"QCITY_PG_PORT": "6543", "QCITY_PG_PUBLISH": " Yes "}
    assert settings.pg_port(env) == 6543
    assert settings.pg_host(env) == "127.0.0.1"
    assert settings.pg_publish(env) is True
    assert settings.pg_publish({}) is False


def test_overriding_puts_back_what_was_there(monkeypatch) -> None:
    monkeypatch.setenv("QCITY_BUILD_DIR", "/before")
    monkeypatch.delenv("QCITY_DEBUG", raising=False)
    with settings.overriding(QCITY_BUILD_DIR="/during", QCITY_DEBUG="1"):
        assert settings.build_dir() == Path("/during")
        assert settings.debug()
    assert os.environ["QCITY_BUILD_DIR"] == "/before"
    assert "QCITY_DEBUG" not in os.environ
