"""The facts an alert reports, captured when it is enqueued.

An alert's payload is plain JSON written to the outbox with the alert, because what it
reports may not exist later: a rejected file's rows are rolled back, a scorecard is rebuilt.
Templates render the payload when the alert is sent or previewed; nothing here formats
sentences for people except through `messages.yaml` (via :class:`ingestion.problems.Problem`),
so a rule reads the same in the quarantine table, the correction workbook and the alert.
"""

from __future__ import annotations

import json
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from ingestion.contracts import common_rules, counties, get_contract, source_names
from ingestion.privacy import mask_payload
from ingestion.problems import Problem

if TYPE_CHECKING:
    from ingestion.pipeline import LoadResult

#: how many broken rules and rows at fault an alert shows
TOP_RULES = 5
FIRST_ROWS = 5
#: quarantine rows read to rank the rules (the loader keeps as many for a rejected file)
ROWS_SCANNED = 10_000


def _source_titles(source: str | None) -> tuple[str | None, str | None]:
    if source in source_names():
        contract = get_contract(source)
        return contract.title_zh, contract.title_en
    return None, None


def _problems(row: dict[str, Any]) -> list[tuple[Problem, str]]:
    """Every problem of a quarantined row with the header the file gave its column."""
    listed = json.loads(row.get("problems") or "[]")
    if not listed:
        listed = [
            {
                "column": row.get("column_name"),
                "rule": row.get("rule"),
                "value": row.get("value"),
                "detail": "",
                "header": row.get("column_header"),
            }
        ]
    return [
        (
            Problem(p.get("column"), p["rule"], p.get("value"), p.get("detail") or ""),
            p.get("header") or p.get("column") or "",
        )
        for p in listed
    ]


def _top_rules(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules broken most often, each with one example sentence from messages.yaml."""
    counts: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], tuple[int, Problem, str]] = {}
    for row in rows:
        seen = set()
        for problem, header in _problems(row):
            key = (problem.rule, header)
            if key in seen:
                continue
            seen.add(key)
            counts[key] += 1
            # the first row is the example, unless it lacks the detail a later one gives
            if key not in examples or (problem.detail and not examples[key][1].detail):
                examples[key] = (row["row_number"], problem, header)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], examples[kv[0]][0]))
    top = []
    for (rule, header), n in ranked[:TOP_RULES]:
        row_number, problem, _ = examples[(rule, header)]
        top.append(
            {
                "rule": rule,
                "header": header,
                "column": problem.column,
                "rows": n,
                "example_row": row_number,
                "sentence_zh": problem.reason_zh(header),
                "sentence_en": problem.reason_en(),
            }
        )
    return top


def _first_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = []
    for row in rows[:FIRST_ROWS]:
        cells = _cells_at_fault(row)
        first.append(
            {
                "row_number": row["row_number"],
                "reason_zh": row.get("reason_zh") or "",
                "cells": [{"header": h, "value": v} for h, v in cells.items()],
            }
        )
    return first


def _cells_at_fault(row: dict[str, Any]) -> dict[str, str]:
    """Header -> the cell as typed, for the cells a quarantined row is faulted for.

    original_row holds the row's cells in the file's order; each problem names its cell's
    position (rows quarantined before that held a dict keyed by header)."""
    original = json.loads(row.get("original_row") or "[]")
    cells: dict[str, str] = {}
    for problem in json.loads(row.get("problems") or "[]"):
        header, position = problem.get("header"), problem.get("position")
        if not header or header in cells:
            continue
        if isinstance(original, list) and isinstance(position, int) and position < len(original):
            cells[header] = str(original[position])
        elif isinstance(original, dict) and original.get(header) is not None:
            cells[header] = str(original[header])
    return cells


def file_facts(
    con: duckdb.DuckDBPyConnection, result: LoadResult, alert_share: float | None
) -> dict[str, Any]:
    """What a clerk needs to fix a rejected file or one with too many quarantined rows."""
    from warehouse.audit import rows_at_fault

    rows = rows_at_fault(con, result, ROWS_SCANNED)
    title_zh, title_en = _source_titles(result.source)
    problem_rows = result.rows_quarantined if result.status != "rejected" else len(rows)
    return {
        "file": result.file,
        "source": result.source,
        "source_title": title_zh,
        "source_title_en": title_en,
        "status": result.status,
        "load_id": result.load_id,
        "sha256": result.sha256,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "problem_rows": problem_rows,
        "share": problem_rows / result.rows_read if result.rows_read else None,
        "alert_share": alert_share,
        "reject_threshold": (
            get_contract(result.source).quarantine_threshold
            if result.source in source_names()
            else common_rules().quarantine_threshold
        ),
        "reject_rule": result.reject_rule,
        # Alerts go to departments' inboxes and group chats: what quotes a cell is masked
        # (export-templates.md, "Personal data"); only the correction workbook shows rows as
        # sent. File name and hash stay: they name the file, not a person.
        "error": mask_payload(result.error),
        "error_en": mask_payload(result.error_en),
        "rules_sampled": problem_rows > len(rows),
        "rows_scanned": len(rows),
        "top_rules": mask_payload(_top_rules(rows)),
        "first_rows": mask_payload(_first_rows(rows)),
    }


@dataclass(frozen=True)
class OverdueSource:
    """One source whose next export is late, as the freshness DAG finds it.

    `due` is the day the export was expected (last receipt + cadence; None when nothing ever
    came), `as_of` the day the check ran; `last_received_at` and `last_file` describe the
    latest file received, if any. `coerce` also takes the freshness DAG's own rows
    (`orchestration.freshness.Freshness`: source, checked_on, due_on, last_received_at).
    """

    source: str
    due: date | None
    as_of: date
    last_received_at: datetime | None = None
    last_file: str | None = None

    @property
    def days_overdue(self) -> int | None:
        return None if self.due is None else max((self.as_of - self.due).days, 0)

    @classmethod
    def coerce(cls, item: Any) -> OverdueSource:
        if isinstance(item, cls):
            return item
        return cls(
            source=item.source,
            due=getattr(item, "due_on", None),
            as_of=item.checked_on,
            last_received_at=getattr(item, "last_received_at", None),
            last_file=getattr(item, "last_file", None),
        )


def overdue_facts(item: OverdueSource, department_name: str, cadence_days: int) -> dict[str, Any]:
    title_zh, title_en = _source_titles(item.source)
    return {
        "source": item.source,
        "source_title": title_zh or item.source,
        "source_title_en": title_en or item.source,
        "department": department_name,
        "cadence_days": cadence_days,
        "due": item.due.isoformat() if item.due else None,
        "as_of": item.as_of.isoformat(),
        "days_overdue": item.days_overdue,
        "last_received_at": (
            item.last_received_at.isoformat(sep=" ", timespec="minutes")
            if item.last_received_at
            else None
        ),
        "last_file": item.last_file,
    }


def county_names() -> dict[str, str]:
    names = {c.county_code: c.name_zh for c in counties()}
    names[common_rules().city_code] = "全市"
    return names


def _attr(obj: Any, name: str) -> Any:
    """An attribute of a task instance; some (log_url) compute and may fail outside a task."""
    try:
        return getattr(obj, name, None)
    except Exception:
        return None


@dataclass(frozen=True)
class PipelineFailure:
    """A failed Airflow task, as its failure callback sees it."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int | None = None
    map_index: int | None = None
    logical_date: str | None = None
    exception: str | None = None
    log_url: str | None = None
    hostname: str | None = None

    @classmethod
    def from_context(cls, context: Any) -> PipelineFailure:
        """Read an Airflow callback context (a mapping with `ti` and `exception`)."""
        ti = context.get("ti") or context.get("task_instance")
        exc = context.get("exception")
        text = None
        if isinstance(exc, BaseException):
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        elif exc is not None:
            text = str(exc)
        logical = context.get("logical_date")
        return cls(
            dag_id=str(_attr(ti, "dag_id") or context.get("dag_id") or "?"),
            task_id=str(_attr(ti, "task_id") or context.get("task_id") or "?"),
            run_id=str(_attr(ti, "run_id") or context.get("run_id") or "?"),
            try_number=_attr(ti, "try_number"),
            map_index=_attr(ti, "map_index"),
            logical_date=str(logical) if logical else None,
            exception=text[:2000] if text else None,
            log_url=_attr(ti, "log_url"),
            hostname=_attr(ti, "hostname"),
        )

    def dedup_key(self) -> str:
        parts = (self.dag_id, self.task_id, self.run_id, self.map_index, self.try_number)
        return "pipeline_failure:" + ":".join("" if p is None else str(p) for p in parts)

    def facts(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def scorecard_gaps(con: duckdb.DuckDBPyConnection, year: int) -> list[dict[str, Any]]:
    """Indicators not on target in `year`, in the plan's order, from the scorecard mart.

    The whole city's row decides (not achieved, or no data yet); for rates (unit %) the
    counties below target are listed too. County rows of counts are left out: they are
    compared with the city's target, which a single county is not meant to reach.
    """
    from ingestion.contracts import indicators

    rows = con.execute(
        """
        select indicator_code, county_code, name_zh, unit, target_text, actual_value, gap, status
        from marts.mart_indicator_scorecard
        where period = ? and status in ('not_achieved', 'no_data')
        order by county_code
        """,
        [str(year)],
    ).fetchall()
    city = common_rules().city_code
    names = county_names()
    items: dict[str, dict[str, Any]] = {}
    for code, county, name_zh, unit, target_text, actual, gap, status in rows:
        item = items.setdefault(
            code,
            {
                "code": code,
                "name_zh": name_zh,
                "unit": unit,
                "target_text": target_text,
                "city": None,
                "counties": [],
            },
        )
        shortfall = abs(gap) if gap is not None else None
        if county == city:
            item["city"] = {"status": status, "actual": actual, "shortfall": shortfall}
        elif unit == "%" and status == "not_achieved":
            item["counties"].append(
                {"code": county, "name": names.get(county, county), "actual": actual}
            )
    order = list(indicators())
    return sorted(
        (i for i in items.values() if i["city"] or i["counties"]),
        key=lambda i: order.index(i["code"]) if i["code"] in order else len(order),
    )


#: how many projects with overdue findings a digest lists (the counties' counts cover all)
TOP_PROJECTS = 20


def overdue_site_findings(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Department code -> its open site findings past their deadline, by county and project.

    Read from marts.mart_site_overdue_findings as the last build judged them (its reference
    day is the digest's "as of"), routed to the responsible units of the 监测指标 the mart
    details (bridge_indicator_department), not to a department named here. Counts, county
    and project names only: no finding text, no contractor, nothing that could name a person
    (the mart's free text is masked already; mask_payload masks again on the way out).
    """
    try:
        rows = con.execute(
            """
            select bridge.department_code, overdue.county_code, overdue.project_name,
                   overdue.open_past_deadline_count, overdue.major_or_critical_count,
                   overdue.max_days_past_deadline, overdue.as_of_date
            from marts.mart_site_overdue_findings as overdue
            inner join marts.bridge_indicator_department as bridge
                on overdue.indicator_code = bridge.indicator_code
            order by bridge.department_code, overdue.open_past_deadline_count desc,
                     overdue.max_days_past_deadline desc, overdue.county_code,
                     overdue.project_name
            """
        ).fetchall()
    except duckdb.CatalogException:
        return {}  # a warehouse built before the housing marts existed: nothing to report
    names = county_names()
    by_department: dict[str, dict[str, Any]] = {}
    for dept, county, project, count, major, days, as_of in rows:
        found = by_department.setdefault(
            dept,
            {
                "as_of": as_of.isoformat(),
                "total": 0,
                "major_or_critical": 0,
                "counties": {},
                "projects": [],
            },
        )
        found["total"] += count
        found["major_or_critical"] += major
        county_name = names.get(county, county)
        found["counties"][county_name] = found["counties"].get(county_name, 0) + count
        if len(found["projects"]) < TOP_PROJECTS:
            found["projects"].append(
                {
                    "county": county_name,
                    "project": project or "（未填写工程名称）",
                    "count": count,
                    "major_or_critical": major,
                    "max_days_overdue": days,
                }
            )
    for found in by_department.values():
        found["counties"] = [
            {"name": name, "count": n}
            for name, n in sorted(found["counties"].items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        found["projects_not_listed"] = sum(c["count"] for c in found["counties"]) - sum(
            p["count"] for p in found["projects"]
        )
    return mask_payload(by_department)


def digest_facts(
    gaps: list[dict[str, Any]],
    as_of: date,
    department_code: str,
    whole_plan: bool,
    overdue_findings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One department's weekly digest: indicators short of target, then those without data,
    then (住建局) open site findings past their deadline."""
    short = [
        i for i in gaps if i["counties"] or (i["city"] and i["city"]["status"] == "not_achieved")
    ]
    missing = [
        {"code": i["code"], "name_zh": i["name_zh"]}
        for i in gaps
        if i["city"] and i["city"]["status"] == "no_data" and not i["counties"]
    ]
    iso = as_of.isocalendar()
    return {
        "as_of": as_of.isoformat(),
        "year": as_of.year,
        "week": f"{iso.year}年第{iso.week}周",
        "department_code": department_code,
        "whole_plan": whole_plan,
        "shortfalls": short,
        "missing": missing,
        "overdue_findings": overdue_findings,
    }
