"""One expectation suite per source, generated from its contract.

Each expectation carries `meta.level` (`row`: failing rows are quarantined; `file`: the file
is rejected) and `meta.rule` (the messages.yaml rule a failure is reported as), so the suite
alone says what happens when it fails. Parsing (can this cell be read as a date?) belongs to
the reader; everything about whether a readable value is acceptable is decided here.
"""

from __future__ import annotations

import json
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe

from ingestion.contracts import ColumnType, Contract, common_rules, counties, indicators
from ingestion.contracts.schema import Comparison, Condition, ConditionalPresence
from ingestion.normalize.vocabularies import allowed_words
from ingestion.problems import bilingual

#: Runtime parameters every suite uses ($PARAMETER in the JSON).
LOAD_DATE = "load_date"
DATE_MIN = "date_min"
THRESHOLD = "quarantine_threshold"

#: Columns of the one-row file profile the file-level expectations read.
PROFILE_ROWS = "rows_read"
PROFILE_SHARE = "quarantined_share"


def latest_column(column: str) -> str:
    return f"latest_{column}"


def _row(rule: str, column: str, **detail: Any) -> dict[str, Any]:
    return {"level": "row", "rule": rule, "column": column, **detail}


def _file(rule: str) -> dict[str, Any]:
    return {"level": "file", "rule": rule}


def _value_set(contract: Contract, column: str) -> list[str] | None:
    col = contract.column(column)
    match col.type:
        case ColumnType.ENUM:
            assert col.vocabulary is not None
            return sorted(col.vocabulary)
        case ColumnType.VERDICT:
            return ["fail", "pass"]
        case ColumnType.COUNTY:
            codes = [c.county_code for c in counties()]
            return sorted([*codes, common_rules().city_code] if col.allow_city else codes)
        case ColumnType.INDICATOR_CODE:
            return sorted(indicators())
    return None


_IN_SET_RULE = {
    ColumnType.ENUM: "unknown_value",
    ColumnType.VERDICT: "invalid_verdict",
    ColumnType.COUNTY: "unknown_county",
    ColumnType.INDICATOR_CODE: "unknown_indicator",
}


def row_expectations(contract: Contract) -> list[gxe.Expectation]:
    found: list[gxe.Expectation] = []
    for col in contract.columns:
        name = col.name
        if col.always_required:
            found.append(
                gxe.ExpectColumnValuesToNotBeNull(column=name, meta=_row("required_missing", name))
            )
        if col.type is ColumnType.STRING and not col.derived:
            found.append(
                gxe.ExpectColumnValueLengthsToBeBetween(
                    column=name,
                    min_value=0,
                    max_value=common_rules().max_cell_chars,
                    meta=_row("value_too_long", name, detail=str(common_rules().max_cell_chars)),
                )
            )
        values = _value_set(contract, name)
        if values is not None:
            detail = allowed_words(col) if col.type is ColumnType.ENUM else ""
            found.append(
                gxe.ExpectColumnValuesToBeInSet(
                    column=name,
                    value_set=values,
                    meta=_row(_IN_SET_RULE[col.type], name, detail=detail),
                )
            )
        if col.type is ColumnType.DATE and not col.derive_from:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=name,
                    min_value={"$PARAMETER": DATE_MIN},
                    meta=_row("date_out_of_range", name),
                )
            )
        if col.min_value is not None or col.max_value is not None:
            bounds = (
                f"{col.min_value if col.min_value is not None else ''}–"
                f"{col.max_value if col.max_value is not None else ''}"
            )
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=name,
                    min_value=col.min_value,
                    max_value=col.max_value,
                    meta=_row("out_of_range", name, detail=bounds),
                )
            )
    for pair in contract.pair_checks:
        found.append(
            gxe.ExpectColumnPairValuesToBeInSet(
                column_A=pair.columns[0],
                column_B=pair.columns[1],
                value_pairs_set=[list(p) for p in pair.allowed],
                ignore_row_if="either_value_is_missing",
                meta=_row(pair.rule, pair.column, details=pair.details),
            )
        )
    for equal in contract.equal_checks:
        found.append(
            gxe.ExpectColumnPairValuesToBeEqual(
                column_A=equal.columns[0],
                column_B=equal.columns[1],
                ignore_row_if="either_value_is_missing",
                meta=_row(equal.rule, equal.column, detail_column=equal.detail_column),
            )
        )
    for presence in contract.conditional_presence:
        found.append(
            gxe.ExpectColumnPairValuesToBeInSet(
                column_A=presence.when_column,
                column_B=presence.has_column,
                value_pairs_set=[list(p) for p in presence.allowed],
                ignore_row_if="either_value_is_missing",
                meta=_row(
                    presence.kind,
                    presence.column,
                    detail=_condition_words(contract, presence),
                ),
            )
        )
    for comparison in contract.compare:
        found.append(_comparison_expectation(contract, comparison))
    return found


def _condition_words(contract: Contract, presence: ConditionalPresence) -> str:
    """`“整改情况”为“已整改”` / `status is rectified`: the condition as people read it."""
    condition: Condition = presence.condition
    col = contract.column(condition.column)
    words = []
    for value in condition.values:
        spelled = col.vocabulary.get(value, ()) if col.vocabulary else ()
        words.append(next((w for w in spelled if w != value), str(value)))
    zh_values = "或".join(f"“{w}”" for w in words)
    en_values = " or ".join(str(v) for v in condition.values)
    header = contract.header_of(col.name)
    if condition.negated:
        return bilingual(f"“{header}”不为{zh_values}", f"{col.name} is not {en_values}")
    return bilingual(f"“{header}”为{zh_values}", f"{col.name} is {en_values}")


#: How a violated `left op right` reads, for dates and for numbers: ((zh, en), (zh, en)).
_VIOLATION_WORDS = {
    ">=": (("早于", "is before"), ("小于", "is less than")),
    ">": (("不晚于", "is not after"), ("不大于", "is not greater than")),
    "<=": (("晚于", "is after"), ("大于", "is greater than")),
    "<": (("不早于", "is not before"), ("不小于", "is not less than")),
}


def _comparison_expectation(contract: Contract, comparison: Comparison) -> gxe.Expectation:
    """`left >= right` as GX's A-greater-than-B on the copies (`<`, `<=` swap A and B)."""
    greater, smaller = comparison.left_copy, comparison.right_copy
    if comparison.op in ("<", "<="):
        greater, smaller = smaller, greater
    for_dates, for_numbers = _VIOLATION_WORDS[comparison.op]
    is_date = contract.column(comparison.left).type is ColumnType.DATE
    zh, en = for_dates if is_date else for_numbers
    zh = f"{zh}“{contract.header_of(comparison.right)}”"
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=greater,
        column_B=smaller,
        or_equal=comparison.op in (">=", "<="),
        ignore_row_if="either_value_is_missing",
        meta=_row(
            "out_of_order",
            comparison.left,
            detail=bilingual(zh, f"{en} {comparison.right}"),
            check=comparison.text,
        ),
    )


def file_expectations(contract: Contract) -> list[gxe.Expectation]:
    found: list[gxe.Expectation] = [
        gxe.ExpectColumnValuesToBeBetween(
            column=PROFILE_ROWS, min_value=1, meta=_file("no_data_rows")
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column=PROFILE_SHARE,
            min_value=0,
            max_value={"$PARAMETER": THRESHOLD},
            meta=_file("over_threshold"),
        ),
    ]
    for col in contract.columns:
        if col.type is ColumnType.DATE and col.not_after_load:
            found.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=latest_column(col.name),
                    max_value={"$PARAMETER": LOAD_DATE},
                    meta=_file("future_dates"),
                )
            )
    return found


def build_suite(contract: Contract) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=contract.name,
        expectations=[*row_expectations(contract), *file_expectations(contract)],
        meta={
            "generated_from": f"ingestion/contracts/sources/{contract.name}.yaml",
            "notes": (
                "generated by qcity contracts sync from "
                f"ingestion/contracts/sources/{contract.name}.yaml; do not edit"
            ),
        },
    )


def suite_json(suite: gx.ExpectationSuite) -> dict[str, Any]:
    """The suite as stored, without the volatile parts (ids, library version)."""
    data = suite.to_json_dict()
    data.pop("id", None)
    data.get("meta", {}).pop("great_expectations_version", None)
    for expectation in data["expectations"]:
        expectation.pop("id", None)
    return data


def suite_text(contract: Contract) -> str:
    """The committed file of a contract's suite, byte for byte (`qcity contracts sync`)."""
    return json.dumps(suite_json(build_suite(contract)), ensure_ascii=False, indent=2) + "\n"
