"""No credential is committed: every secret comes from the environment or an Airflow connection."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Words that are obviously placeholders in docs and examples, not credentials.
PLACEHOLDERS = {"pass", "password", "secret", "changeme", "xxx", "xxxx", "****", "user", "token"}
_NOT_LITERAL = ("$", "{", "<", "%(", "os.environ", "env_var", "none", "null")

URL = re.compile(r"://(?P<user>[^/\s:@'\"]+):(?P<value>[^@\s/'\"]+)@")
CODE_ASSIGNMENT = re.compile(
    r"(?i)\b\w*(?:password|secret|api_key|token)\w*\s*=\s*[\"'](?P<value>[^\"'\s]{4,})[\"']"
)
CONFIG_ASSIGNMENT = re.compile(
    r"(?im)^[\s-]*[\w.]*(?:password|secret|api_key|token)[\w.]*\s*[:=]\s*[\"']?(?P<value>[^\s\"'#]{4,})"
)
PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
AWS_KEY = re.compile(r"\bAKIA[0-9A-Z]{16}\b")
CONFIG_SUFFIXES = {".yml", ".yaml", ".env", ".ini", ".cfg", ".toml", ".conf", ".properties"}
CONFIG_NAMES = {"Dockerfile", "Makefile", ".env"}
#: Paths that describe the patterns themselves, or lock files of package hashes.
ALLOWED = {"tests/test_no_secrets.py", "uv.lock"}


_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{3,}$")  # the name of a variable, not its value
_FAKE = ("test", "example", "dummy", "fake", "sample")


def _literal(value: str) -> bool:
    """A value that could be a real secret: not a reference, placeholder or test fixture."""
    value = value.strip("\"'")
    lowered = value.lower()
    return not (
        lowered.startswith(_NOT_LITERAL)
        or lowered in PLACEHOLDERS
        or _ENV_NAME.match(value)
        or any(word in lowered for word in _FAKE)
    )


def findings_in(name: str, text: str) -> list[str]:
    found = [f"private key {m.group()}" for m in PRIVATE_KEY.finditer(text)]
    found += [f"AWS key {m.group()}" for m in AWS_KEY.finditer(text)]
    found += [f"password in a URL {m.group()}" for m in URL.finditer(text) if _literal(m["value"])]
    path = Path(name)
    assignment = (
        CONFIG_ASSIGNMENT
        if path.suffix in CONFIG_SUFFIXES or path.name in CONFIG_NAMES
        else CODE_ASSIGNMENT
    )
    found += [
        f"secret assignment {m.group()[:60]}"
        for m in assignment.finditer(text)
        if _literal(m["value"])
    ]
    return found


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if line and line not in ALLOWED]


def test_no_credentials_in_the_repository() -> None:
    problems = []
    for name in tracked_files():
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        problems += [f"{name}: {f}" for f in findings_in(name, text)]
    assert problems == [], "\n".join(problems)


def test_the_scan_finds_what_it_looks_for() -> None:
    assert findings_in("compose.yml", "  POSTGRES_PASSWORD: hunter22\n")
    assert findings_in("x.py", 'conn = connect(password="hunter22")')
    assert findings_in("x.py", "url = 'postgresql://airflow:s3cret@db/airflow'")
    assert findings_in("key.pem", "-----BEGIN RSA PRIVATE KEY-----")
    assert not findings_in("compose.yml", "  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n")
    assert not findings_in("x.py", "password = os.environ.get('QCITY_BI_READER_PASSWORD')")
    assert not findings_in("doc.md", "smtp://user:password@host:25")
    assert not findings_in("x.py", "token = secrets.token_hex(8)")
