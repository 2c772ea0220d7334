"""Settings every qcity DAG shares: owner, retries, the warehouse pool, schedules, Assets.

Imported by the DAG files at parse time, so it imports only `airflow.sdk` and the
contracts (YAML and pydantic), nothing that touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

import pendulum
from airflow.sdk import Asset, AssetAny

from orchestration.callbacks import on_failure
from orchestration.folders import UNSORTED

OWNER = "qcity-data"
TIMEZONE = "Asia/Shanghai"
START_DATE = pendulum.datetime(2025, 1, 1, tz=TIMEZONE)

#: How often each landing folder is scanned.
INGEST_EVERY = timedelta(minutes=10)
#: Freshness is checked every morning, before offices open.
FRESHNESS_CRON = "0 7 * * *"

DEFAULT_ARGS: dict[str, object] = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": timedelta(seconds=20),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
    # After the last retry: a pipeline-failure alert to the data team (alerts/).
    "on_failure_callback": on_failure,
}

TAGS_INGEST = ["qcity", "ingestion"]
TAGS_WAREHOUSE = ["qcity", "warehouse", "dbt"]
TAGS_FRESHNESS = ["qcity", "freshness"]
TAGS_ALERTS = ["qcity", "alerts"]

#: How often the alert outbox is flushed.
SEND_ALERTS_EVERY = timedelta(minutes=5)

MARTS_ASSET = Asset(
    name="qcity.marts",
    uri="qcity://warehouse/marts",
    group="qcity",
    extra={"description": "dbt marts built, scorecard and published copies refreshed"},
)
FRESHNESS_ASSET = Asset(
    name="qcity.audit.source_freshness",
    uri="qcity://warehouse/audit/source_freshness",
    group="qcity",
    extra={"description": "daily delivery check; overdue sources for the reminders"},
)


def local_day(moment: datetime) -> date:
    """The server's calendar day of an Airflow timestamp (which is in UTC).

    The server's, like `audit.file_manifest.received_at` (the loader's local clock), so a
    file received today is 0 days old whatever time zone the server is set to.
    """
    return moment.astimezone().date()


def raw_asset(source: str) -> Asset:
    """The Asset of a source's raw table, updated when a run loads a file into it."""
    return Asset(name=f"qcity.raw.{source}", uri=f"qcity://warehouse/raw/{source}", group="qcity")


class AnyRawTable(AssetAny):
    """`AssetAny` of raw tables' Assets (a schedule: any of them updated), hashed once.

    Airflow hashes a DAG, its schedule included, each time two of its tasks are linked
    (`>>`), and an Asset hashes through `json.dumps` of its fields: the ~160 links Cosmos
    makes in the warehouse DAG took 0.2 s of the 0.6 s every one of its task processes
    spends parsing the DAG file. The assets of a schedule never change, nor does the hash.
    """

    def __init__(self, sources: list[str]) -> None:
        super().__init__(*(raw_asset(s) for s in sources))

    @cached_property
    def _hash(self) -> int:
        return super().__hash__()

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True)
class LandingFolder:
    """One ingestion DAG: a landing sub-folder and the sources its files may load into."""

    folder: str
    title: str
    department: str
    cadence_days: int | None
    sources: tuple[str, ...]

    @property
    def dag_id(self) -> str:
        return f"qcity_ingest_{self.folder.lstrip('_')}"


def landing_folders() -> list[LandingFolder]:
    """One per source contract, plus `_unsorted` (source detected from the headers)."""
    from ingestion.contracts import all_contracts, department_name

    contracts = all_contracts()
    folders = [
        LandingFolder(
            c.name, c.title_zh, department_name(c.department_code), c.cadence_days, (c.name,)
        )
        for c in contracts
    ]
    folders.append(
        LandingFolder(
            UNSORTED, "未分类文件（按表头识别）", "各部门", None, tuple(c.name for c in contracts)
        )
    )
    return folders
