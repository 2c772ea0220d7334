"""Paths and switches read from the environment, in one place.

Every `QCITY_*` variable the project's code reads is read here, one accessor each, at call
time (a test that sets a variable sees it at once); modules import the accessor. Accessors
that callers run against another mapping than `os.environ` (a test's dict, a child
process's environment) take it as `env`. `SETTINGS` lists them all and `docs/settings.md`
is generated from it (`python -m qcity.settings > docs/settings.md`); tests/test_settings.py
fails when a module elsewhere reads a `QCITY_` variable, when a variable read here is
missing from `SETTINGS`, or when the page is stale.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The dbt project qcity builds (models, macros, seeds, profiles.yml).
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


def warehouse_path() -> Path:
    """The DuckDB warehouse file (`QCITY_WAREHOUSE`, default warehouse/qcity.duckdb)."""
    return Path(os.environ.get("QCITY_WAREHOUSE", PROJECT_ROOT / "warehouse" / "qcity.duckdb"))


def warehouse_url() -> str | None:
    """`QCITY_WAREHOUSE` when it names a PostgreSQL database (`postgresql://user@host/db`),
    else None (the DuckDB file). The password is never in it: libpq reads `PGPASSWORD` or
    `~/.pgpass`."""
    value = os.environ.get("QCITY_WAREHOUSE", "")
    return value if value.startswith(("postgresql://", "postgres://")) else None


def warehouse_slots() -> int:
    """How many tasks may write the warehouse at once (the Airflow `qcity_warehouse` pool):
    one for DuckDB (one writer process per file), `QCITY_WAREHOUSE_SLOTS` (default 4) for
    PostgreSQL, whose loads run side by side."""
    if warehouse_url() is None:
        return 1
    return max(1, int(os.environ.get("QCITY_WAREHOUSE_SLOTS", "4")))


def build_dir() -> Path:
    """Where reports, correction workbooks and Data Docs are written (`QCITY_BUILD_DIR`,
    default build/)."""
    return Path(os.environ.get("QCITY_BUILD_DIR", PROJECT_ROOT / "build"))


# Folders ----------------------------------------------------------------------------------


def serving_dir() -> Path:
    """Where the serving copy of the marts is published (`QCITY_SERVING_DIR`, default
    `serving/` beside the warehouse file)."""
    configured = os.environ.get("QCITY_SERVING_DIR")
    return Path(configured) if configured else warehouse_path().parent / "serving"


def _folder(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).expanduser().resolve() if value else default.resolve()


def landing_root() -> Path:
    """The landing folder departments drop exports into, one sub-folder per source
    (`QCITY_LANDING`, default `landing/` in the project)."""
    return _folder("QCITY_LANDING", PROJECT_ROOT / "landing")


def archive_root() -> Path:
    """Where loaded files are moved (`QCITY_ARCHIVE`, default `archive/` beside the landing
    folder)."""
    return _folder("QCITY_ARCHIVE", landing_root().parent / "archive")


def rejected_root() -> Path:
    """Where rejected files are moved (`QCITY_REJECTED`, default `rejected/` beside the
    landing folder)."""
    return _folder("QCITY_REJECTED", landing_root().parent / "rejected")


DEFAULT_SETTLE_SECONDS = 10.0


def settle_seconds() -> float:
    """How long a landing file must go unmodified before it is loaded, in seconds: a copy
    still in progress waits for the next run (`QCITY_SETTLE_SECONDS`, default 10)."""
    return float(os.environ.get("QCITY_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))


DEFAULT_INGEST_CHUNK_FILES = 25
DEFAULT_INGEST_CHUNK_MB = 64.0


def ingest_chunk_files() -> int:
    """At most this many landing files are loaded by one Airflow task, in delivery order,
    so that a task's fixed cost (process, DAG parse, connection, GX run) is paid per chunk,
    not per file (`QCITY_INGEST_CHUNK_FILES`, default 25; 1 gives a task per file)."""
    return max(1, int(os.environ.get("QCITY_INGEST_CHUNK_FILES", DEFAULT_INGEST_CHUNK_FILES)))


def ingest_chunk_bytes() -> int:
    """A chunk also ends before it would exceed this many megabytes of files, so that a
    large export gets a task and a retry of its own (`QCITY_INGEST_CHUNK_MB`, default 64)."""
    megabytes = float(os.environ.get("QCITY_INGEST_CHUNK_MB", DEFAULT_INGEST_CHUNK_MB))
    return int(megabytes * 1024 * 1024)


# dbt and Airflow --------------------------------------------------------------------------


def dbt_manifest_dir() -> Path:
    """Where `dbt parse` writes the manifest Cosmos reads (`QCITY_DBT_MANIFEST_DIR`, default
    `dbt_project/target/cosmos/`)."""
    value = os.environ.get("QCITY_DBT_MANIFEST_DIR")
    return Path(value).resolve() if value else DBT_PROJECT_DIR / "target" / "cosmos"


#: How every dbt run of ours starts where the environment does not say otherwise: no usage
#: statistics, and dbt's own log file (`logs/dbt.log`) at `info`. dbt's default for that file,
#: `debug`, writes every statement and event it fires: a full build of the project on a few
#: hundred rows took 35.8 and 32.4 s of CPU with it, 30.8 s at `info` (29.6 and 26.7 s with no
#: file at all). `--debug`, or DBT_LOG_LEVEL_FILE=debug, brings it back.
DBT_DEFAULTS = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_LOG_LEVEL_FILE": "info"}


def dbt_environment(base: Mapping[str, str]) -> dict[str, str]:
    """`base` (the process's environment, as a rule) with `DBT_DEFAULTS` where it has none;
    usage statistics are never sent, whatever `base` says."""
    return {**DBT_DEFAULTS, **base, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def dbt_execution() -> str:
    """How Cosmos runs dbt in the warehouse DAG, `watcher` or `local`, read when the DAG
    file is parsed (`QCITY_DBT_EXECUTION`, default `watcher`)."""
    return os.environ.get("QCITY_DBT_EXECUTION", "watcher")


#: `make airflow`'s UI listens on this machine only: the SQLite instance has a printed
#: admin password and no TLS.
DEFAULT_AIRFLOW_HOST = "127.0.0.1"


def airflow_host() -> str:
    """The address `make airflow`'s api-server listens on; `0.0.0.0` (or an address) opens
    the UI to the network (`QCITY_AIRFLOW_HOST`, default 127.0.0.1)."""
    return os.environ.get("QCITY_AIRFLOW_HOST") or DEFAULT_AIRFLOW_HOST


# PostgreSQL ---------------------------------------------------------------------------------


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def pg_host(env: Mapping[str, str] | None = None) -> str:
    """The PostgreSQL server of `qcity build --target postgres` and of publishing, as in
    dbt's profile (`QCITY_PG_HOST`, default 127.0.0.1)."""
    return _env(env).get("QCITY_PG_HOST", "127.0.0.1")


def pg_port(env: Mapping[str, str] | None = None) -> int:
    """The PostgreSQL server's port (`QCITY_PG_PORT`, default 5432)."""
    return int(_env(env).get("QCITY_PG_PORT", 5432))


def pg_user(env: Mapping[str, str] | None = None) -> str:
    """The PostgreSQL user the copy and the publication log in as (`QCITY_PG_USER`, default
    postgres)."""
    return _env(env).get("QCITY_PG_USER", "postgres")


def pg_password(env: Mapping[str, str] | None = None) -> str:
    """That user's password (`QCITY_PG_PASSWORD`, default empty)."""
    return _env(env).get("QCITY_PG_PASSWORD", "")


def pg_dbname(env: Mapping[str, str] | None = None) -> str:
    """The PostgreSQL database holding the raw, audit and marts schemas (`QCITY_PG_DBNAME`,
    default qcity)."""
    return _env(env).get("QCITY_PG_DBNAME", "qcity")


def pg_publish(env: Mapping[str, str] | None = None) -> bool:
    """Whether every publication (after each build) also copies the marts to PostgreSQL:
    1, true, yes or on (`QCITY_PG_PUBLISH`, default off)."""
    return _env(env).get("QCITY_PG_PUBLISH", "").strip().lower() in ("1", "true", "yes", "on")


BI_READER_ROLE = "bi_reader"


def bi_reader_role() -> str:
    """The PostgreSQL role that may read `marts` and nothing else; another name lets two
    environments share one server (`QCITY_BI_READER_ROLE`, default bi_reader)."""
    return os.environ.get("QCITY_BI_READER_ROLE") or BI_READER_ROLE


def bi_reader_password() -> str | None:
    """The reader role's password; unset, the role is created NOLOGIN, for granting to real
    users (`QCITY_BI_READER_PASSWORD`, default unset)."""
    return os.environ.get("QCITY_BI_READER_PASSWORD") or None


# Alerts ---------------------------------------------------------------------------------------

ALERT_CONTACT_FIELDS = ("EMAIL", "WEBHOOK", "WEBHOOK_KIND", "WEBHOOK_SECRET")


def alert_contacts_file(env: Mapping[str, str] | None = None) -> Path | None:
    """A YAML file of department contacts keyed by department code, over the registry's
    (`QCITY_ALERT_CONTACTS_FILE`, default unset)."""
    value = _env(env).get("QCITY_ALERT_CONTACTS_FILE")
    return Path(value) if value else None


def alert_contact(code: str, field: str, env: Mapping[str, str] | None = None) -> str | None:
    """One department's contact, over the contacts file and the registry:
    `QCITY_ALERT_<CODE>_EMAIL` (addresses, comma-separated), `_WEBHOOK` (a robot's URL),
    `_WEBHOOK_KIND` (dingtalk or wecom, default from the URL's host), `_WEBHOOK_SECRET` (the
    robot's signing secret); default unset. `field` is one of `ALERT_CONTACT_FIELDS`;
    None when the variable is not set (set but empty counts: it clears the contact)."""
    if field not in ALERT_CONTACT_FIELDS:
        raise ValueError(f"unknown alert contact field {field!r}")
    return _env(env).get(f"QCITY_ALERT_{code.upper()}_{field}")


def alert_redirect(env: Mapping[str, str] | None = None) -> str:
    """Staging: send every alert to this one address instead, saying which department and
    channel it was meant for (`QCITY_ALERT_REDIRECT`, default unset)."""
    return _env(env).get("QCITY_ALERT_REDIRECT", "")


def alert_redirect_webhook(env: Mapping[str, str] | None = None) -> str | None:
    """With the redirect, a test robot that takes the webhook alerts instead of the address
    (`QCITY_ALERT_REDIRECT_WEBHOOK`, default unset)."""
    return _env(env).get("QCITY_ALERT_REDIRECT_WEBHOOK")


def alert_redirect_webhook_kind(env: Mapping[str, str] | None = None) -> str | None:
    """The test robot's kind, dingtalk or wecom (`QCITY_ALERT_REDIRECT_WEBHOOK_KIND`,
    default from the URL's host)."""
    return _env(env).get("QCITY_ALERT_REDIRECT_WEBHOOK_KIND")


def alert_redirect_webhook_secret(env: Mapping[str, str] | None = None) -> str | None:
    """The test robot's signing secret (`QCITY_ALERT_REDIRECT_WEBHOOK_SECRET`, default
    unset)."""
    return _env(env).get("QCITY_ALERT_REDIRECT_WEBHOOK_SECRET")


def alert_link_base(env: Mapping[str, str] | None = None) -> str | None:
    """Where correction workbooks are served, for the links in webhook alerts, over the
    registry's `workbook_link_base` (`QCITY_ALERT_LINK_BASE`, default unset)."""
    return _env(env).get("QCITY_ALERT_LINK_BASE")


# Debugging ------------------------------------------------------------------------------------


def debug() -> bool:
    """Any value: a load that fails for the machine's reasons raises with its traceback
    instead of recording the fault and alerting the data team (`QCITY_DEBUG`, default
    unset)."""
    return bool(os.environ.get("QCITY_DEBUG"))


# Benchmarks (benchmarks/, `make bench`) ---------------------------------------------------------


def bench_rows() -> int:
    """Rows of the ingestion benchmark's file (`QCITY_BENCH_ROWS`, default 1,000,000)."""
    return int(os.environ.get("QCITY_BENCH_ROWS", "1000000"))


def bench_big_rows() -> int:
    """Rows of the ingestion benchmark's big file (`QCITY_BENCH_BIG_ROWS`, default
    10,000,000)."""
    return int(os.environ.get("QCITY_BENCH_BIG_ROWS", "10000000"))


def bench_repeat() -> int:
    """How often the ingestion benchmark repeats each measure (`QCITY_BENCH_REPEAT`,
    default 3)."""
    return int(os.environ.get("QCITY_BENCH_REPEAT", "3"))


def bench_fact_rows() -> int:
    """Market samples in the dbt benchmark's warehouse (`QCITY_BENCH_FACT_ROWS`, default
    10,000,000)."""
    return int(os.environ.get("QCITY_BENCH_FACT_ROWS", "10000000"))


def bench_daily_rows() -> int:
    """New samples in the dbt benchmark's daily load (`QCITY_BENCH_DAILY_ROWS`, default
    20,000)."""
    return int(os.environ.get("QCITY_BENCH_DAILY_ROWS", "20000"))


def bench_soak_files() -> int:
    """Files the soak and the landing benchmarks drop at once (`QCITY_BENCH_SOAK_FILES`,
    default 200)."""
    return int(os.environ.get("QCITY_BENCH_SOAK_FILES", "200"))


def bench_soak_rows() -> int:
    """Rows per file of the soak benchmark (`QCITY_BENCH_SOAK_ROWS`, default 600)."""
    return int(os.environ.get("QCITY_BENCH_SOAK_ROWS", "600"))


def bench_small_rows() -> int:
    """Rows per file of the landing benchmark, small files through the real Airflow
    (`QCITY_BENCH_SMALL_ROWS`, default 20)."""
    return int(os.environ.get("QCITY_BENCH_SMALL_ROWS", "20"))


def bench_chunks() -> str:
    """Files per task of each side of the landing benchmark, comma-separated; `size:files`
    measures that size on another number of files (`QCITY_BENCH_CHUNKS`, default 1,25)."""
    return os.environ.get("QCITY_BENCH_CHUNKS", "1,25")


def bench_executor() -> str | None:
    """The landing benchmark's Airflow executor, e.g. `LocalExecutor` for Airflow's plain
    one, instead of the project's (`QCITY_BENCH_EXECUTOR`, default unset)."""
    return os.environ.get("QCITY_BENCH_EXECUTOR") or None


def bench_pg_rows() -> int:
    """Rows of each of the PostgreSQL concurrency benchmark's four files
    (`QCITY_BENCH_PG_ROWS`, default 100,000)."""
    return int(os.environ.get("QCITY_BENCH_PG_ROWS", "100000"))


def soak_json() -> bool:
    """Any value: the soak benchmark prints its result as one JSON object
    (`QCITY_SOAK_JSON`, default unset)."""
    return bool(os.environ.get("QCITY_SOAK_JSON"))


def reliability_scale() -> float:
    """Scales the reliability trials' sizes and counts (`QCITY_RELIABILITY_SCALE`, default
    1.0)."""
    return float(os.environ.get("QCITY_RELIABILITY_SCALE", "1.0"))


def reliability_only() -> str | None:
    """Comma-separated names of the only reliability trials to run, e.g. `kills,full disk`
    (`QCITY_RELIABILITY_ONLY`, default unset: all)."""
    return os.environ.get("QCITY_RELIABILITY_ONLY")


# Setting variables for a while ------------------------------------------------------------------


@contextmanager
def overriding(**variables: str) -> Iterator[None]:
    """Set these variables in this process's environment, and put back what was there after."""
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# The list -------------------------------------------------------------------------------------

#: How an accessor's docstring ends: "(`VARIABLE`, default DEFAULT)."
_TAIL = re.compile(r"\s*\(`(?P<variable>QCITY_\w+)`, default (?P<default>.+)\)\.$", re.DOTALL)


@dataclass(frozen=True)
class Setting:
    """One row of docs/settings.md. What it changes and its default come from the accessor's
    docstring when it ends "(`VARIABLE`, default DEFAULT)."; otherwise (a family: one
    accessor, several variables) `stated_what` and `stated_default` say them."""

    variable: str
    accessor: Callable[..., object]
    group: str
    stated_what: str | None = None
    stated_default: str | None = None

    def _tail(self) -> re.Match[str] | None:
        match = _TAIL.search(" ".join((self.accessor.__doc__ or "").split()))
        return match if match and match["variable"] == self.variable else None

    @property
    def what(self) -> str:
        if self.stated_what:
            return self.stated_what
        match = self._tail()
        doc = " ".join((self.accessor.__doc__ or "").split())
        return doc[: match.start()] + "." if match else doc

    @property
    def default(self) -> str:
        match = self._tail()
        return self.stated_default or (match["default"] if match else "")


def _family(field: str, what: str, default: str = "unset") -> Setting:
    return Setting(f"QCITY_ALERT_<CODE>_{field}", alert_contact, "Alerts", what, default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "QCITY_WAREHOUSE",
        warehouse_path,
        "Paths",
        "The warehouse: a DuckDB file (`warehouse_path`), or a PostgreSQL database named by a"
        " URL, `postgresql://user@host/db` (`warehouse_url`; the password from `PGPASSWORD`"
        " or `~/.pgpass`).",
    ),
    Setting("QCITY_WAREHOUSE_SLOTS", warehouse_slots, "Paths", None, "4 (always 1 for DuckDB)"),
    Setting("QCITY_BUILD_DIR", build_dir, "Paths"),
    Setting("QCITY_SERVING_DIR", serving_dir, "Paths"),
    Setting("QCITY_LANDING", landing_root, "Paths"),
    Setting("QCITY_ARCHIVE", archive_root, "Paths"),
    Setting("QCITY_REJECTED", rejected_root, "Paths"),
    Setting("QCITY_SETTLE_SECONDS", settle_seconds, "Paths"),
    Setting("QCITY_INGEST_CHUNK_FILES", ingest_chunk_files, "Paths"),
    Setting("QCITY_INGEST_CHUNK_MB", ingest_chunk_bytes, "Paths"),
    Setting("QCITY_DBT_MANIFEST_DIR", dbt_manifest_dir, "dbt and Airflow"),
    Setting("QCITY_DBT_EXECUTION", dbt_execution, "dbt and Airflow"),
    Setting("QCITY_AIRFLOW_HOST", airflow_host, "dbt and Airflow"),
    Setting("QCITY_PG_HOST", pg_host, "PostgreSQL"),
    Setting("QCITY_PG_PORT", pg_port, "PostgreSQL"),
    Setting("QCITY_PG_USER", pg_user, "PostgreSQL"),
    Setting("QCITY_PG_PASSWORD", pg_password, "PostgreSQL"),
    Setting("QCITY_PG_DBNAME", pg_dbname, "PostgreSQL"),
    Setting("QCITY_PG_PUBLISH", pg_publish, "PostgreSQL"),
    Setting("QCITY_BI_READER_ROLE", bi_reader_role, "PostgreSQL"),
    Setting("QCITY_BI_READER_PASSWORD", bi_reader_password, "PostgreSQL"),
    Setting("QCITY_ALERT_CONTACTS_FILE", alert_contacts_file, "Alerts"),
    _family("EMAIL", "Department CODE's addresses, comma-separated, over the file and registry."),
    _family("WEBHOOK", "Department CODE's robot URL, over the contacts file and the registry."),
    _family("WEBHOOK_KIND", "That robot's kind, dingtalk or wecom.", "from the URL's host"),
    _family("WEBHOOK_SECRET", "That robot's signing secret."),
    Setting("QCITY_ALERT_REDIRECT", alert_redirect, "Alerts"),
    Setting("QCITY_ALERT_REDIRECT_WEBHOOK", alert_redirect_webhook, "Alerts"),
    Setting("QCITY_ALERT_REDIRECT_WEBHOOK_KIND", alert_redirect_webhook_kind, "Alerts"),
    Setting("QCITY_ALERT_REDIRECT_WEBHOOK_SECRET", alert_redirect_webhook_secret, "Alerts"),
    Setting("QCITY_ALERT_LINK_BASE", alert_link_base, "Alerts"),
    Setting("QCITY_DEBUG", debug, "Debugging"),
    Setting("QCITY_BENCH_ROWS", bench_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_BIG_ROWS", bench_big_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_REPEAT", bench_repeat, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_FACT_ROWS", bench_fact_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_DAILY_ROWS", bench_daily_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_SOAK_FILES", bench_soak_files, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_SOAK_ROWS", bench_soak_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_SMALL_ROWS", bench_small_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_CHUNKS", bench_chunks, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_EXECUTOR", bench_executor, "Benchmarks (`make bench`)"),
    Setting("QCITY_BENCH_PG_ROWS", bench_pg_rows, "Benchmarks (`make bench`)"),
    Setting("QCITY_SOAK_JSON", soak_json, "Benchmarks (`make bench`)"),
    Setting("QCITY_RELIABILITY_SCALE", reliability_scale, "Benchmarks (`make bench`)"),
    Setting("QCITY_RELIABILITY_ONLY", reliability_only, "Benchmarks (`make bench`)"),
)


def settings_page() -> str:
    """docs/settings.md: every setting, by group, as `SETTINGS` lists them."""
    lines = [
        "# Settings",
        "",
        "<!-- Generated from qcity/settings.py: python -m qcity.settings > docs/settings.md -->",
        "",
        "Every `QCITY_*` environment variable the code reads, read in `qcity/settings.py` by the",
        "accessor named here, each time it is needed. `docker-compose.yml` has variables of its",
        "own (`QCITY_DATA`, `QCITY_BI_IMAGE`, `WAREHOUSE_DB_PASSWORD`) that only compose reads;",
        "`QCITY_DATA_DOCS_DIR` and `QCITY_GX_RESULTS_DIR` are set by the code for Great",
        "Expectations' configuration, not by you.",
    ]
    for group in dict.fromkeys(s.group for s in SETTINGS):
        lines += ["", f"## {group}", "", "| variable | default | accessor | what it changes |"]
        lines.append("|---|---|---|---|")
        for s in (s for s in SETTINGS if s.group == group):
            what = s.what.replace("|", "\\|")
            lines.append(f"| `{s.variable}` | {s.default} | `{s.accessor.__name__}` | {what} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(settings_page(), end="")
