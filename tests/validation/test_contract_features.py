"""The contract features any source can use, on a made-up contract no export has.

Hooks named in a checked registry, declared child tables, relative dates, numbering within
a group and the cross-column rules (compare, required_when, forbidden_when), the latter
judged by Great Expectations itself on the suite the contract generates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import great_expectations as gx
import pyarrow as pa
import pytest
from pydantic import ValidationError

from ingestion.children import child_rows, split_items
from ingestion.contracts.schema import HOOKS, Contract
from ingestion.engine import FilePlan, parse_batch
from ingestion.header import HeaderMatch
from ingestion.hooks import IMPLEMENTATIONS
from ingestion.normalize.dates import add_days, parse_relative_days
from ingestion.problems import Problem
from ingestion.readers.base import rows_to_batch
from ingestion.validation.suites import row_expectations


def contract(**extra: Any) -> Contract:
    """Visits to shops: each visit lists its notes; a bill has a price and a cost."""
    spec: dict[str, Any] = {
        "name": "shop_visits",
        "title_zh": "走访记录",
        "title_en": "Shop visits",
        "short_title_zh": "走访",
        "short_title_en": "Visits",
        "department_code": "YC_MARKET_REGULATION",
        "quarantine_alert_share": 0.0,
        "staging_group": "visits",
        "cadence_days": 7,
        "natural_key": ["visit_no", "line_no"],
        "date_column": "visit_date",
        "quarantine_threshold": 0.2,
        "columns": [
            {"name": "visit_no", "required": True, "aliases": ["走访编号"]},
            {"name": "visit_date", "type": "date", "required": True, "aliases": ["走访日期"]},
            {
                "name": "line_no",
                "type": "integer",
                "required": True,
                "aliases": ["行号"],
                "number_within": "visit_no",
                "zero_when_blank": "note",
            },
            {
                "name": "note",
                "required": True,
                "aliases": ["记录"],
                "required_when": {"column": "line_no", "not_in": [0]},
            },
            {
                "name": "due",
                "type": "date",
                "aliases": ["回访期限"],
                "relative_to": "visit_date",
            },
            {
                "name": "state",
                "type": "enum",
                "aliases": ["状态"],
                "vocabulary": {"closed": ["已关闭"], "open": ["未关闭"]},
            },
            {
                "name": "closed_on",
                "type": "date",
                "aliases": ["关闭日期"],
                "required_when": {"column": "state", "in": ["closed"]},
                "forbidden_when": {"column": "state", "in": ["open"]},
            },
            {"name": "price", "type": "number", "aliases": ["售价"]},
            {"name": "cost", "type": "number", "aliases": ["成本"]},
            {"name": "items", "aliases": ["明细"]},
        ],
        "compare": ["due >= visit_date", "closed_on >= visit_date", "price > cost"],
        "child_tables": [
            {
                "name": "shop_visit_items",
                "from_column": "items",
                "item_separators": ["，"],
                "field_separators": ["/"],
                "fields": ["item", "amount"],
            }
        ],
    }
    spec.update(extra)
    return Contract.model_validate(spec)


HEADER = ["走访编号", "走访日期", "记录", "回访期限", "状态", "关闭日期", "售价", "成本", "明细"]


# -- hooks --------------------------------------------------------------------------------


def test_every_declared_hook_is_implemented_and_no_other() -> None:
    assert set(IMPLEMENTATIONS) == set(HOOKS)


@pytest.mark.parametrize(
    ("when_absent", "says"),
    [
        ("scale_from_sky", "unknown hook 'scale_from_sky'"),
        ("exceeds_limit", "is no when_absent hook"),
        ({"hook": "scale_class_from_size", "params": {"rules": []}}, "at least 1 item"),
        (
            {
                "hook": "scale_class_from_size",
                "params": {"rules": [{"class": "big", "min_cost_10k_yuan": 1}]},
            },
            "catch-all",
        ),
        ({"hook": "scale_class_from_size", "params": {"rules": [{"clas": "x"}]}}, "class"),
    ],
)
def test_a_hook_is_checked_when_the_contract_loads(when_absent: Any, says: str) -> None:
    base = contract()
    columns = [c.model_dump(by_alias=True, exclude_none=True) for c in base.columns]
    columns[-1]["when_absent"] = when_absent
    with pytest.raises(ValidationError, match=says):
        contract(columns=columns)


def test_helper_hooks_take_no_parameters_and_must_be_helpers() -> None:
    with pytest.raises(ValidationError, match="takes no parameters"):
        contract(helper_columns=[{"hook": "exceeds_limit", "params": {"x": 1}}])
    with pytest.raises(ValidationError, match="no helper_columns hooks"):
        contract(
            helper_columns=[
                {"hook": "scale_class_from_size", "params": {"rules": [{"class": "any"}]}}
            ]
        )


def test_rules_naming_unknown_columns_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown columns"):
        contract(compare=["due >= nowhere"])
    with pytest.raises(ValidationError, match="is not `column >= column`"):
        contract(compare=["due after visit_date"])


# -- child tables -------------------------------------------------------------------------


def test_a_child_table_is_keyed_by_the_parents_whole_natural_key() -> None:
    child = contract().child_tables[0]
    assert [(c.name, c.type.value) for c in child.columns] == [
        ("visit_no", "string"),
        ("line_no", "integer"),
        ("item_seq", "integer"),
        ("item", "string"),
        ("amount", "string"),
    ]
    parents = pa.table(
        {
            "visit_no": ["V1", "V2", "V3"],
            "line_no": pa.array([1, 2, 1], pa.int32()),
            "items": ["茶/2，糖/1/袋", None, "盐"],
            "_row_number": pa.array([3, 4, 5], pa.int32()),
        }
    )
    assert child_rows(child, parents).to_pylist() == [
        {
            "visit_no": "V1",
            "line_no": 1,
            "item_seq": 1,
            "item": "茶",
            "amount": "2",
            "_row_number": 3,
        },
        # the last field takes what is left
        {
            "visit_no": "V1",
            "line_no": 1,
            "item_seq": 2,
            "item": "糖",
            "amount": "1袋",
            "_row_number": 3,
        },
        {
            "visit_no": "V3",
            "line_no": 1,
            "item_seq": 1,
            "item": "盐",
            "amount": None,
            "_row_number": 5,
        },
    ]
    assert split_items(child, "茶/2\n糖/1") == [("茶", "2"), ("糖", "1")]  # a line break too


def test_rows_sharing_a_cell_each_get_its_items_in_their_own_order() -> None:
    """A cell text is split once for all the rows that hold it (a month's failures repeat
    a few item texts): each row still gets every item, under its own key and row number,
    in file order, across the chunks of a batch, and a cell of separators alone none."""
    child = contract().child_tables[0]
    parents = pa.Table.from_batches(
        [
            pa.record_batch(
                {
                    "visit_no": ["V1", "V2", "V3"],
                    "line_no": pa.array([1, 1, 2], pa.int32()),
                    "items": ["茶/2，糖/1", "，，", "茶/2，糖/1"],
                    "_row_number": pa.array([3, 4, 5], pa.int32()),
                }
            ),
            pa.record_batch(
                {
                    "visit_no": ["V4", "V5"],
                    "line_no": pa.array([1, 1], pa.int32()),
                    "items": ["盐", "茶/2，糖/1"],
                    "_row_number": pa.array([6, 7], pa.int32()),
                }
            ),
        ]
    )
    rows = child_rows(child, parents).to_pylist()
    assert [(r["visit_no"], r["item_seq"], r["item"], r["_row_number"]) for r in rows] == [
        ("V1", 1, "茶", 3),
        ("V1", 2, "糖", 3),
        ("V3", 1, "茶", 5),
        ("V3", 2, "糖", 5),
        ("V4", 1, "盐", 6),
        ("V5", 1, "茶", 7),
        ("V5", 2, "糖", 7),
    ]
    assert [r["line_no"] for r in rows] == [1, 1, 2, 2, 1, 1, 1]


# -- relative dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span"),
    [("7日", (7, False)), ("7天", (7, False)), ("3个工作日", (3, True)), ("１５日内", (15, False))],
)
def test_relative_spans(text: str, span: tuple[int, bool]) -> None:
    assert parse_relative_days(text) == span


def test_working_days_skip_weekends() -> None:
    friday = date(2025, 3, 7)
    assert add_days(friday, 3, working=True) == date(2025, 3, 12)
    assert add_days(friday, 3, working=False) == date(2025, 3, 10)
    assert add_days(date(2025, 3, 8), 1, working=True) == date(2025, 3, 10)  # a Saturday


# -- the engine and the suite -------------------------------------------------------------


def _plan(source: Contract) -> FilePlan:
    positions = {
        c.name: HEADER.index(c.aliases[0]) for c in source.columns if c.aliases[0] in HEADER
    }
    match = HeaderMatch(source, 0, HEADER, positions)
    return FilePlan.build(source, match, "visits.csv", date(2025, 11, 1))


def _batch(rows: list[list[str]], first_row: int) -> Any:
    return rows_to_batch(rows, list(range(first_row, first_row + len(rows))), len(HEADER), [])


ROWS = [
    # visit, date, note, due, state, closed on, price, cost, items
    ["V1", "2025-03-07", "门头破损", "3个工作日", "已关闭", "2025-03-10", "12", "10", ""],
    ["V1", "2025-03-07", "无证经营", "7日", "未关闭", "", "", "", ""],
    ["V2", "2025-03-08", "无", "", "", "", "", "", ""],  # nothing found
    ["V1", "2025-03-07", "价签缺失", "2025-03-01", "已关闭", "", "5", "6", ""],  # three faults
    ["V3", "2025-03-09", "过期食品", "7天", "未关闭", "2025-03-09", "", "", ""],  # closed, open
]


def test_numbering_relative_dates_and_helpers() -> None:
    source = contract()
    plan = _plan(source)
    first = parse_batch(plan, _batch(ROWS[:2], 2))
    second = parse_batch(plan, _batch(ROWS[2:], 4))
    typed = first.typed.to_pylist() + second.typed.to_pylist()
    assert [(r["visit_no"], r["line_no"]) for r in typed] == [
        ("V1", 1),
        ("V1", 2),
        ("V2", 0),
        ("V1", 3),  # carried across batches
        ("V3", 1),
    ]
    assert [r["due"] for r in typed] == [
        date(2025, 3, 12),
        date(2025, 3, 14),
        None,
        date(2025, 3, 1),
        date(2025, 3, 16),
    ]
    assert set(source.generated_helpers()) <= set(second.checked.column_names)
    # The reader starting the file again starts the numbers again.
    again = parse_batch(plan, _batch(ROWS[:2], 2))
    assert again.typed["line_no"].to_pylist() == [1, 2]


def test_cross_column_rules_are_judged_by_the_generated_suite() -> None:
    """compare / required_when / forbidden_when, run by GX on the engine's checked rows."""
    source = contract()
    parsed = parse_batch(_plan(source), _batch(ROWS, 2))
    frame = parsed.checked.to_pandas(date_as_object=False)
    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("features")
        .add_dataframe_asset("visits")
        .add_batch_definition_whole_dataframe("all")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    found: dict[tuple[str, str, str], list[int]] = {}
    for expectation in row_expectations(source):
        meta = expectation.meta
        if meta["rule"] not in {"out_of_order", "required_when", "forbidden_when"}:
            continue
        result = batch.validate(expectation, result_format="COMPLETE")
        rows = [
            int(frame["_row_number"][i]) for i in result.result.get("unexpected_index_list", [])
        ]
        found[(meta["rule"], meta["column"], meta.get("check", ""))] = rows
        if rows:
            reason = Problem(meta["column"], meta["rule"], "x", meta["detail"]).reason_zh("某列")
            assert "\x1e" not in reason and "{" not in reason
    assert found == {
        ("required_when", "note", ""): [],  # V2's 无 is line 0
        ("required_when", "closed_on", ""): [5],
        ("forbidden_when", "closed_on", ""): [6],
        ("out_of_order", "due", "due >= visit_date"): [5],
        ("out_of_order", "closed_on", "closed_on >= visit_date"): [],
        ("out_of_order", "price", "price > cost"): [5],
    }


def test_a_comparison_reason_names_both_columns_in_each_language() -> None:
    source = contract()
    meta = next(
        e.meta for e in row_expectations(source) if e.meta.get("check") == "due >= visit_date"
    )
    problem = Problem("due", "out_of_order", "2025-03-01", meta["detail"])
    assert problem.reason_zh("回访期限") == "“回访期限”的值“2025-03-01”早于“走访日期”"
    assert problem.reason_en() == "due value '2025-03-01' is before visit_date"
