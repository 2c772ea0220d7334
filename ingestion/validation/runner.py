"""Runs a source's suite on each batch (row level) and on the file's profile (file level)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd
import pyarrow as pa
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.expectation_validation_result import (
    ExpectationValidationResult,
)
from great_expectations.validator.v1_validator import Validator

from ingestion.contracts import ColumnType, Contract, common_rules
from ingestion.errors import FileRejected, LoadFault, as_fault
from ingestion.problems import encode
from ingestion.validation import suites
from ingestion.validation.classes import (
    ClassGroup,
    combined_group,
    length_group,
    value_group,
)
from ingestion.validation.context import batch_definition, load_suite

#: classes remembered per group at most (their verdicts are looked up, not re-run)
_VERDICTS_LIMIT = 200_000
_ROW_RESULT_FORMAT = {"result_format": "COMPLETE", "include_unexpected_rows": False}
#: Expectations whose verdict on a text value depends only on its length and presence.
_LENGTH_ONLY = {"expect_column_values_to_not_be_null", "expect_column_value_lengths_to_be_between"}

#: Verdicts shared by the files of one `shared_verdicts()` scope, per suite and parameters
#: (None outside one: each file judges its own classes).
_Verdicts = dict[tuple[str, ...], dict[tuple, list[str | None]]]
_shared: dict[tuple[object, ...], _Verdicts] | None = None


@contextmanager
def shared_verdicts() -> Iterator[None]:
    """Within this block, files of the same source and load date share their verdicts.

    A class's verdict depends only on its values, the suite and the run's parameters (load
    date, earliest date, threshold), never on the file it came from, so a verdict found for
    one file holds for the next. A batch of small files (an Airflow task's chunk of the
    landing listing) then needs one Great Expectations run for all of them instead of one
    each (~0.5 s of CPU whatever the rows). The scope is short on purpose: the suites cannot
    change within it (they are only rewritten by `qcity contracts sync`).
    """
    global _shared
    outer, _shared = _shared, {} if _shared is None else _shared
    try:
        yield
    finally:
        _shared = outer


def _raised(info: Any) -> str | None:
    """The message of an exception GX caught while evaluating, wherever it sits in the info."""
    if isinstance(info, dict):
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "expectation raised an exception")
        for value in info.values():
            found = _raised(value)
            if found:
                return found
    return None


def _domain(config: Any) -> tuple[str, ...]:
    kwargs = config.kwargs
    if "column" in kwargs:
        return (kwargs["column"],)
    return (kwargs["column_A"], kwargs["column_B"])


@dataclass
class _Tally:
    """One expectation's verdicts over all batches of a file, in rows."""

    config: Any
    rows_failed: int = 0
    sample: list[Any] = field(default_factory=list)
    error: str | None = None


@dataclass
class ValidationSummary:
    run_id: str
    source: str
    success: bool
    expectations_evaluated: int
    expectations_failed: int
    rows_evaluated: int
    rows_failed: int
    started_at: dt.datetime
    finished_at: dt.datetime
    result: ExpectationSuiteValidationResult | None = None
    failed_rules: list[str] = field(default_factory=list)


class FileValidator:
    """Validates one file: `check_batch` for each batch, `check_file` once at the end."""

    def __init__(self, contract: Contract, load_date: dt.date, run_id: str) -> None:
        self.contract = contract
        self.load_date = load_date
        self.run_id = run_id
        self.started_at = dt.datetime.now()
        suite = load_suite(contract.name)
        self.row_suite = gx.ExpectationSuite(
            name=f"{contract.name}.rows",
            expectations=[e for e in suite.expectations if e.meta["level"] == "row"],
        )
        self.file_suite = gx.ExpectationSuite(
            name=f"{contract.name}.file",
            expectations=[e for e in suite.expectations if e.meta["level"] == "file"],
        )
        self.batch_definition = batch_definition(contract.name)
        self.tallies = [_Tally(e.configuration) for e in self.row_suite.expectations]
        #: per group of columns: class values -> encoded problem (or None) per expectation
        self._verdicts: _Verdicts = {}
        if _shared is not None:
            key = (contract.name, *sorted(self._parameters().items()))
            self._verdicts = _shared.setdefault(key, {})
        self.file_results: list[ExpectationValidationResult] = []
        self.rows_evaluated = 0
        self.rows_failed = 0
        #: time spent validating (class building and GX), for benchmarks
        self.seconds = 0.0
        self._latest: dict[str, dt.date | None] = {
            c.name: None for c in contract.columns if c.type is ColumnType.DATE and c.not_after_load
        }

    def restart(self) -> None:
        """Forget the batches seen so far (the reader starts the file again)."""
        self.tallies = [_Tally(e.configuration) for e in self.row_suite.expectations]
        self.rows_evaluated = 0
        self._latest = dict.fromkeys(self._latest)

    # -- parameters ------------------------------------------------------------------------

    def _parameters(self) -> dict[str, Any]:
        return {
            suites.LOAD_DATE: pd.Timestamp(self.load_date),
            suites.DATE_MIN: pd.Timestamp(common_rules().date_min),
            suites.THRESHOLD: self.contract.quarantine_threshold,
        }

    def _run(
        self, suite: gx.ExpectationSuite, frame: pd.DataFrame, result_format: dict[str, Any]
    ) -> ExpectationSuiteValidationResult:
        validator = Validator(
            batch_definition=self.batch_definition,
            batch_parameters={"dataframe": frame},
            result_format=result_format,
        )
        try:
            result = validator.validate_expectation_suite(suite, self._parameters())
        except Exception as exc:
            # GX failing to judge is our fault (a suite or GX bug, memory), not the file's:
            # the file is never passed, never rejected, and is judged again once fixed.
            raise as_fault(exc) from exc
        for item in result.results:
            message = _raised(item.exception_info)
            if message:
                kind = item.expectation_config.type
                raise LoadFault("bug", f"{kind}: {message}"[:300])
        return result

    # -- row level ---------------------------------------------------------------------------

    def _groups(self, table: pa.Table) -> dict[tuple[str, ...], ClassGroup]:
        by_column: dict[str, set[str]] = {}
        for expectation in self.row_suite.expectations:
            domain = _domain(expectation.configuration)
            for column in domain:
                by_column.setdefault(column, set()).add(expectation.expectation_type)
        groups: dict[tuple[str, ...], ClassGroup] = {}
        paired = {
            c
            for e in self.row_suite.expectations
            for c in _domain(e.configuration)
            if len(_domain(e.configuration)) > 1
        }
        for expectation in self.row_suite.expectations:
            domain = _domain(expectation.configuration)
            if len(domain) > 1 and domain not in groups:
                # The column that explains a mismatch travels with the pair it explains.
                explain = expectation.configuration.meta.get("detail_column")
                groups[domain] = combined_group(domain + ((explain,) if explain else ()), table)
        for column, kinds in by_column.items():
            if column in paired:
                continue
            values = table[column]
            if isinstance(values, pa.ChunkedArray):
                values = values.combine_chunks()
            text_only = pa.types.is_string(values.type) and kinds <= _LENGTH_ONLY
            groups[(column,)] = (
                length_group(column, values) if text_only else value_group(column, values)
            )
        return groups

    def _group_key(
        self, groups: dict[tuple[str, ...], ClassGroup], domain: tuple[str, ...]
    ) -> tuple[str, ...]:
        """The group an expectation's domain is checked in (a pair's column travels with it)."""
        if domain in groups:
            return domain
        return next(key for key, g in groups.items() if domain[0] in g.columns)

    def check_batch(self, table: pa.Table) -> list[tuple[str, pa.Array]]:
        """Encoded problems per check for every row of the batch (null: no problem)."""
        started = time.perf_counter()
        try:
            return self._check_batch(table)
        finally:
            self.seconds += time.perf_counter() - started

    def judge_ahead(self, tables: list[pa.Table]) -> None:
        """Judge the classes of these rows in one Great Expectations run, tallying nothing:
        within `shared_verdicts()`, the files they were read from then load without a run of
        their own (`ingestion.pipeline.judge_ahead`)."""
        started = time.perf_counter()
        try:
            table = pa.concat_tables(tables, promote_options="permissive").combine_chunks()
            if table.num_rows:
                groups = self._groups(table)
                self._judge_new_classes(groups, {d: _class_keys(g) for d, g in groups.items()})
        finally:
            self.seconds += time.perf_counter() - started

    def _check_batch(self, table: pa.Table) -> list[tuple[str, pa.Array]]:
        self.rows_evaluated += table.num_rows
        self._note_latest(table)
        if table.num_rows == 0:
            return []
        groups = self._groups(table)
        keys = {domain: _class_keys(group) for domain, group in groups.items()}
        self._judge_new_classes(groups, keys)
        problems: list[tuple[str, pa.Array]] = []
        for index, tally in enumerate(self.tallies):
            group_key = self._group_key(groups, _domain(tally.config))
            group = groups[group_key]
            known = self._verdicts[group.columns]
            per_class = [known[key][index] for key in keys[group_key]]
            failing = [cls for cls, verdict in enumerate(per_class) if verdict is not None]
            if not failing:
                continue
            encoded = pa.array(per_class, pa.string()).take(pa.array(group.row_class))
            tally.rows_failed += int(np.isin(group.row_class, failing).sum())
            for cls in failing[:20]:
                value = _sample(group, cls)
                if len(tally.sample) < 20 and value not in tally.sample:
                    tally.sample.append(value)
            problems.append((tally.config.meta["column"], encoded))
        return problems

    def _judge_new_classes(
        self, groups: dict[tuple[str, ...], ClassGroup], keys: dict[tuple[str, ...], list[tuple]]
    ) -> None:
        """Run the suite on the classes no earlier batch of the file had, and remember its
        verdicts: later batches mostly repeat the dates, counties and verdicts of the first,
        so most of a large file's batches need no Great Expectations run at all."""
        new: dict[tuple[str, ...], np.ndarray] = {}
        for domain, group in groups.items():
            known = self._verdicts.setdefault(group.columns, {})
            if len(known) > _VERDICTS_LIMIT:
                known.clear()  # classes of distinct values (addresses) never repeat
            fresh = [cls for cls, key in enumerate(keys[domain]) if key not in known]
            new[domain] = np.array(fresh, dtype=np.int64)
        if not any(len(f) for f in new.values()):
            return
        # A group with nothing new still needs a column in the frame: its first class,
        # whose verdicts are then simply not read.
        picks = {d: f if len(f) else np.zeros(1, dtype=np.int64) for d, f in new.items()}
        result = self._run(self.row_suite, _frame(groups, picks), _ROW_RESULT_FORMAT)
        verdicts: dict[tuple[str, ...], dict[int, list[str | None]]] = {
            d: {int(cls): [None] * len(self.tallies) for cls in f} for d, f in new.items()
        }
        for index, item in enumerate(result.results):
            if item.success:
                continue
            meta = item.expectation_config.meta
            domain = self._group_key(groups, _domain(item.expectation_config))
            group, picked = groups[domain], picks[domain]
            for position in item.result.get("unexpected_index_list") or []:
                cls = int(picked[int(position) % len(picked)])
                if cls in verdicts[domain]:
                    verdicts[domain][cls][index] = encode(meta["rule"], _detail(meta, group, cls))
        for domain, by_class in verdicts.items():
            known = self._verdicts[groups[domain].columns]
            for cls, found in by_class.items():
                known[keys[domain][cls]] = found

    def _note_latest(self, table: pa.Table) -> None:
        import pyarrow.compute as pc

        for column in self._latest:
            latest = pc.max(table[column]).as_py()
            if latest is not None and (
                self._latest[column] is None or latest > self._latest[column]
            ):
                self._latest[column] = latest

    # -- file level --------------------------------------------------------------------------

    def check_file(self, rows_read: int, rows_quarantined: int) -> None:
        """Reject the file (FileRejected) when a file-level expectation fails."""
        self.rows_failed = rows_quarantined
        profile = {
            suites.PROFILE_ROWS: [rows_read],
            suites.PROFILE_SHARE: [rows_quarantined / rows_read if rows_read else 0.0],
        }
        for column, latest in self._latest.items():
            profile[suites.latest_column(column)] = [pd.Timestamp(latest) if latest else pd.NaT]
        result = self._run(self.file_suite, pd.DataFrame(profile), {"result_format": "SUMMARY"})
        self.file_results = list(result.results)
        for item in result.results:
            if not item.success:
                meta = item.expectation_config.meta
                rule = meta["rule"]
                raise FileRejected(rule, *_file_detail(self.contract, rule, profile, self._latest))

    # -- summary -----------------------------------------------------------------------------

    def summary(self, rejected_rule: str | None = None) -> ValidationSummary:
        results = [
            ExpectationValidationResult(
                success=t.rows_failed == 0,
                expectation_config=t.config,
                result={
                    "element_count": self.rows_evaluated,
                    "unexpected_count": t.rows_failed,
                    "unexpected_percent": 100.0 * t.rows_failed / self.rows_evaluated
                    if self.rows_evaluated
                    else 0.0,
                    "partial_unexpected_list": t.sample,
                },
            )
            for t in self.tallies
        ] + self.file_results
        failed = [r for r in results if not r.success]
        success = not failed and rejected_rule is None
        suite_result = ExpectationSuiteValidationResult(
            success=success,
            results=results,
            suite_name=self.contract.name,
            statistics={
                "evaluated_expectations": len(results),
                "successful_expectations": len(results) - len(failed),
                "unsuccessful_expectations": len(failed),
                "success_percent": 100.0 * (len(results) - len(failed)) / len(results)
                if results
                else 100.0,
            },
            meta={"run_id": self.run_id, "rows_evaluated": self.rows_evaluated},
        )
        return ValidationSummary(
            run_id=self.run_id,
            source=self.contract.name,
            success=success,
            expectations_evaluated=len(results),
            expectations_failed=len(failed),
            rows_evaluated=self.rows_evaluated,
            rows_failed=self.rows_failed,
            started_at=self.started_at,
            finished_at=dt.datetime.now(),
            result=suite_result,
            failed_rules=sorted(
                {r.expectation_config.meta["rule"] for r in failed}
                | ({rejected_rule} if rejected_rule else set())
            ),
        )


def _frame(
    groups: dict[tuple[str, ...], ClassGroup], picks: dict[tuple[str, ...], np.ndarray]
) -> pd.DataFrame:
    """The picked classes of all groups side by side; shorter groups repeat their classes
    (harmless: verdicts are mapped back per class, so a repeated class only repeats its
    own verdict)."""
    length = max(len(p) for p in picks.values())
    columns: dict[str, Any] = {}
    for domain, group in groups.items():
        positions = pa.array(np.resize(picks[domain], length))
        for name, values in group.representatives.items():
            columns[name] = values.take(positions).to_pandas(date_as_object=False)
    return pd.DataFrame(columns)


def _class_keys(group: ClassGroup) -> list[tuple]:
    """Each class's values, hashable: the key its verdicts are remembered by."""
    return list(zip(*(group.representatives[c].to_pylist() for c in group.columns), strict=True))


def _sample(group: ClassGroup, cls: int) -> Any:
    values = [group.representatives[c][cls].as_py() for c in group.columns]
    value = values[0] if len(values) == 1 else values
    return value.isoformat() if hasattr(value, "isoformat") else value


def _detail(meta: dict[str, Any], group: ClassGroup, cls: int) -> str:
    if meta.get("details"):
        key = "|".join(_key_text(group.representatives[c][cls].as_py()) for c in group.columns)
        return meta["details"].get(key, "")
    if meta.get("detail_column"):
        value = group.representatives.get(meta["detail_column"])
        return "" if value is None else str(value[cls].as_py() or "无 / none")
    return str(meta.get("detail", ""))


def _key_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _file_detail(
    contract: Contract,
    rule: str,
    profile: dict[str, list[Any]],
    latest: dict[str, dt.date | None],
) -> tuple[str, str]:
    """The detail of a file-level verdict for the data team and for the clerk."""
    if rule == "over_threshold":
        share = f"{profile[suites.PROFILE_SHARE][0]:.0%}"
        return share, share
    if rule == "future_dates":
        dates = [(c, d.isoformat()) for c, d in latest.items() if d]
        return (
            ", ".join(f"{c} {d}" for c, d in dates),
            "，".join(f"{contract.header_of(c)} {d}" for c, d in dates),
        )
    return "", ""
