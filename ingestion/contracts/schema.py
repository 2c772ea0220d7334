"""Typed schema of a source contract, checked before anything runs."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ColumnType(StrEnum):
    STRING = "string"
    DATE = "date"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    VERDICT = "verdict"
    ENUM = "enum"
    COUNTY = "county"
    PERIOD = "period"
    INDICATOR_CODE = "indicator_code"


#: Warehouse type of each contract type (DuckDB and PostgreSQL spell these alike).
SQL_TYPES: dict[ColumnType, str] = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.DATE: "DATE",
    ColumnType.NUMBER: "DOUBLE",
    ColumnType.INTEGER: "INTEGER",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.VERDICT: "VARCHAR",
    ColumnType.ENUM: "VARCHAR",
    ColumnType.COUNTY: "VARCHAR",
    ColumnType.PERIOD: "VARCHAR",
    ColumnType.INDICATOR_CODE: "VARCHAR",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleRule(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    class_: str = Field(alias="class")
    min_floor_area_m2: float | None = None
    min_cost_10k_yuan: float | None = None


class ScaleParams(_Strict):
    """`scale_class_from_size`: classes in order; the first whose any bound holds wins."""

    rules: tuple[ScaleRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _last_is_catch_all(self) -> ScaleParams:
        last = self.rules[-1]
        if last.min_floor_area_m2 is not None or last.min_cost_10k_yuan is not None:
            raise ValueError("the last scale rule must have no bounds (the catch-all class)")
        return self


class HookKind(StrEnum):
    #: adds `_`-prefixed helper columns that the contract's checks compare
    HELPER = "helper"
    #: fills a column (and its companions) when the file has none
    WHEN_ABSENT = "when_absent"


#: Every hook a contract may name: what kind it is and the parameters it takes (None: none).
#: A contract naming another hook, or giving it other parameters, fails when it is loaded.
#: The implementations live in ingestion.hooks, which refuses to import unless it
#: implements exactly these names.
HOOKS: dict[str, tuple[HookKind, type[BaseModel] | None]] = {
    "scale_class_from_size": (HookKind.WHEN_ABSENT, ScaleParams),
    "exceeds_limit": (HookKind.HELPER, None),
    "expected_indicator_name": (HookKind.HELPER, None),
    "expected_indicator_unit": (HookKind.HELPER, None),
}


class HookCall(_Strict):
    """A hook a contract names, with its parameters (`hook: name` or `{hook, params}`)."""

    hook: str
    params: BaseModel | None = None

    @model_validator(mode="before")
    @classmethod
    def _checked(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"hook": data}
        if not isinstance(data, dict) or isinstance(data.get("params"), BaseModel):
            return data
        name = data.get("hook")
        if name not in HOOKS:
            raise ValueError(f"unknown hook {name!r}; known hooks: {', '.join(sorted(HOOKS))}")
        _, params_model = HOOKS[name]
        given = data.get("params")
        if params_model is None:
            if given:
                raise ValueError(f"hook {name!r} takes no parameters")
            return {"hook": name, "params": None}
        return {"hook": name, "params": params_model.model_validate(given or {})}

    @property
    def kind(self) -> HookKind:
        return HOOKS[self.hook][0]


class Condition(_Strict):
    """A row's value of `column` is (`in`) or is not (`not_in`) one of `values`.

    Enum values are written canonically (`rectified`), as the column holds them once read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    column: str
    in_: tuple[Any, ...] | None = Field(None, alias="in")
    not_in: tuple[Any, ...] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Condition:
        if (self.in_ is None) == (self.not_in is None):
            raise ValueError(f"condition on {self.column!r} needs exactly one of in / not_in")
        return self

    @property
    def values(self) -> tuple[Any, ...]:
        return self.in_ if self.in_ is not None else self.not_in or ()

    @property
    def negated(self) -> bool:
        return self.not_in is not None


class ConditionalPresence(_Strict):
    """A column that must be filled (`required_when`) or empty (`forbidden_when`) in the rows
    a condition holds for, checked as a GX column pair of two helper columns: whether the
    condition holds and whether the column is filled (each pair its own, as the runner
    compares a column in one pair only)."""

    column: str
    kind: Literal["required_when", "forbidden_when"]
    condition: Condition

    @property
    def when_column(self) -> str:
        return f"_when_{self.kind.removesuffix('_when')}_{self.column}"

    @property
    def has_column(self) -> str:
        return f"_has_{self.kind.removesuffix('_when')}_{self.column}"

    @property
    def allowed(self) -> tuple[tuple[bool, bool], ...]:
        """(condition holds, column filled) pairs that are acceptable."""
        forbidden = (True, False) if self.kind == "required_when" else (True, True)
        return tuple(
            p
            for p in ((True, True), (True, False), (False, True), (False, False))
            if p != forbidden
        )


_COMPARISON = re.compile(r"^\s*(\w+)\s*(>=|<=|>|<)\s*(\w+)\s*$")


class Comparison(_Strict):
    """`left op right` for rows where both are filled (`deadline >= inspection_date`).

    Checked by GX's column-pair A-greater-than-B expectation on copies of both columns
    (`_deadline_vs_inspection_date`, `_inspection_date_vs_deadline`): the runner compares a
    column in one pair only, and a column may be compared more than once. A violation is
    reported on `left`.
    """

    left: str
    op: Literal[">=", ">", "<=", "<"]
    right: str

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            found = _COMPARISON.match(data)
            if not found:
                raise ValueError(f"comparison {data!r} is not `column >= column` (>=, >, <=, <)")
            return dict(zip(("left", "op", "right"), found.groups(), strict=True))
        return data

    @property
    def left_copy(self) -> str:
        return f"_{self.left}_vs_{self.right}"

    @property
    def right_copy(self) -> str:
        return f"_{self.right}_vs_{self.left}"

    @property
    def text(self) -> str:
        return f"{self.left} {self.op} {self.right}"


class ColumnSpec(_Strict):
    name: str
    type: ColumnType = ColumnType.STRING
    required: bool = False
    aliases: tuple[str, ...] = ()
    #: enum columns: canonical value -> the words exports use for it
    vocabulary: dict[str, tuple[str, ...]] | None = None
    #: when this column is blank or absent, parse these columns (in order) instead
    fallback: tuple[str, ...] = ()
    #: parsed from another column; unparseable means null, not an error
    derive_from: str | None = None
    #: set by the engine or a hook, never read from a file
    derived: bool = False
    #: value when the column is absent from the file
    default: Any = None
    #: the hook (a `when_absent` one) that fills the column when it is absent from the file
    when_absent: HookCall | None = None
    #: a date after the day of the load is a row error
    not_after_load: bool = False
    #: number columns: where the below-detection flag goes
    below_detection_column: str | None = None
    #: county columns: 全市/blank stand for the whole city (360900)
    allow_city: bool = False
    blank_means_city: bool = False
    #: numeric bounds (inclusive) checked by the validation suite
    min_value: float | None = None
    max_value: float | None = None
    #: the cell names a party (an enterprise or a person): a bare personal name there is
    #: masked too (ingestion.privacy, common.yaml personal_data.bare_name)
    names_party: bool = False
    #: when blank and this verdict column says fail, the text after the fail prefix of the
    #: verdict cell (`不合格：吡虫啉‖7.47mg/kg‖≤0.2mg/kg` carries its failed items)
    from_fail_verdict: str | None = None
    #: date columns: a cell may instead say `7日`, `7天` or `3个工作日`, counted from this
    #: date column of the row (working days skip Saturdays and Sundays)
    relative_to: str | None = None
    #: when absent from the file: numbered 1, 2, … within each value of this column, in file
    #: order (`finding_no` within `inspection_no`)
    number_within: str | None = None
    #: with number_within: a row whose this column is blank is numbered 0 (an inspection that
    #: found nothing is one row with a placeholder finding)
    zero_when_blank: str | None = None
    #: must be filled in the rows this condition holds for (with `required: true` too, the
    #: file must carry the column but the value is needed only where the condition holds)
    required_when: Condition | None = None
    #: must be empty in the rows this condition holds for
    forbidden_when: Condition | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def readable(self) -> bool:
        """True when the column can come from a file header."""
        return bool(self.aliases)

    @model_validator(mode="after")
    def _enum_has_vocabulary(self) -> ColumnSpec:
        if self.type is ColumnType.ENUM and not self.vocabulary:
            raise ValueError(f"enum column {self.name!r} needs a vocabulary")
        if self.when_absent and self.when_absent.kind is not HookKind.WHEN_ABSENT:
            raise ValueError(f"{self.name}: {self.when_absent.hook!r} is no when_absent hook")
        if self.relative_to and self.type is not ColumnType.DATE:
            raise ValueError(f"{self.name}: relative_to is for date columns")
        if self.zero_when_blank and not self.number_within:
            raise ValueError(f"{self.name}: zero_when_blank needs number_within")
        if self.number_within and self.type is not ColumnType.INTEGER:
            raise ValueError(f"{self.name}: number_within is for integer columns")
        return self

    @property
    def conditional_presence(self) -> tuple[ConditionalPresence, ...]:
        return tuple(
            ConditionalPresence(column=self.name, kind=kind, condition=condition)
            for kind, condition in (
                ("required_when", self.required_when),
                ("forbidden_when", self.forbidden_when),
            )
            if condition is not None
        )

    @property
    def always_required(self) -> bool:
        """Every row needs a value (`required` without a `required_when` that narrows it)."""
        return self.required and self.required_when is None


class FileNameRule(_Strict):
    contains: str
    value: str


class ChildColumn(_Strict):
    name: str
    type: ColumnType = ColumnType.STRING

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


class ChildTable(_Strict):
    """A table of the items packed in one cell of the parent, one row per item.

    `吡虫啉║7.47mg/kg║≤0.2mg/kg；镉║0.3║0.2` in `from_column` gives two rows: the item
    separators (and line breaks) split the cell into items, the field separators split an
    item into `fields` (the last field takes what is left). Each row carries the parent's
    natural key (`key`, filled from the parent contract) and the item's position in the
    cell (`sequence`).
    """

    name: str
    from_column: str
    item_separators: tuple[str, ...] = Field(min_length=1)
    field_separators: tuple[str, ...] = Field(min_length=1)
    fields: tuple[str, ...] = Field(min_length=1)
    sequence: str = "item_seq"
    #: the parent's natural key columns (set from the parent, never written in a contract)
    key: tuple[ChildColumn, ...] = ()

    @property
    def columns(self) -> tuple[ChildColumn, ...]:
        return (
            *self.key,
            ChildColumn(name=self.sequence, type=ColumnType.INTEGER),
            *(ChildColumn(name=f) for f in self.fields),
        )


class PairCheck(_Strict):
    """Two columns whose combinations must be among `allowed` (GX column-pair in-set)."""

    columns: tuple[str, str]
    allowed: tuple[tuple[Any, Any], ...]
    rule: str
    #: the data column a clerk is pointed to
    column: str
    #: "a|b" of a disallowed pair -> the messages.yaml detail that explains it
    details: dict[str, str] = {}


class EqualCheck(_Strict):
    """Two columns that must be equal where both are present (GX column-pair equal)."""

    columns: tuple[str, str]
    rule: str
    #: the data column a clerk is pointed to
    column: str
    #: column whose value explains the mismatch (what was expected)
    detail_column: str | None = None


class Contract(_Strict):
    name: str
    title_zh: str
    title_en: str
    #: labels where space is short (dashboard tables and charts)
    short_title_zh: str
    short_title_en: str
    #: the owning department's code in dbt_project/seeds/departments.csv, where its names live
    department_code: str
    #: a delivery is expected every this many days (freshness checks, reminders, dbt freshness)
    cadence_days: int = Field(gt=0)
    #: a loaded file with more than this share of rows quarantined alerts the department
    quarantine_alert_share: float = Field(ge=0, le=1)
    #: dbt staging folder and model prefix: stg_<group>__<table>, base_<group>__<table>
    staging_group: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    natural_key: tuple[str, ...]
    date_column: str | None
    quarantine_threshold: float = Field(ge=0, le=1)
    columns: tuple[ColumnSpec, ...]
    file_name_rules: dict[str, tuple[FileNameRule, ...]] = {}
    child_tables: tuple[ChildTable, ...] = ()
    #: hooks that add `_`-prefixed helper columns the checks below compare
    helper_columns: tuple[HookCall, ...] = ()
    pair_checks: tuple[PairCheck, ...] = ()
    equal_checks: tuple[EqualCheck, ...] = ()
    #: cross-column order rules (`deadline >= inspection_date`), where both are filled
    compare: tuple[Comparison, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _child_tables_keyed_by_parent(cls, data: Any) -> Any:
        """A child table's rows name their parent by its natural key, typed as the parent."""
        if not isinstance(data, dict) or not data.get("child_tables"):
            return data
        types = {c.get("name"): c.get("type", "string") for c in data.get("columns", [])}
        key = [{"name": k, "type": types.get(k, "string")} for k in data.get("natural_key", [])]
        children = [
            child if not isinstance(child, dict) else {**child, "key": key}
            for child in data["child_tables"]
        ]
        return {**data, "child_tables": children}

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    def header_of(self, name: str) -> str:
        """The column as exports first name it (its first alias), for people; the canonical
        name for a column no export names (a derived one) or none of this contract."""
        try:
            return self.column(name).aliases[0]
        except (KeyError, IndexError):
            return name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[ColumnSpec]:
        return [c for c in self.columns if c.required]

    @model_validator(mode="after")
    def _references_exist(self) -> Contract:
        names = set(self.column_names)
        missing = [k for k in self.natural_key if k not in names]
        for col in self.columns:
            missing += [f for f in col.fallback if f not in names]
            if col.derive_from and col.derive_from not in names:
                missing.append(col.derive_from)
            if col.below_detection_column and col.below_detection_column not in names:
                missing.append(col.below_detection_column)
            for ref in (
                col.from_fail_verdict,
                col.relative_to,
                col.number_within,
                col.zero_when_blank,
            ):
                if ref and ref not in names:
                    missing.append(ref)
            missing += [
                p.condition.column
                for p in col.conditional_presence
                if p.condition.column not in names
            ]
        missing += [c for cmp in self.compare for c in (cmp.left, cmp.right) if c not in names]
        missing += [k for k in self.file_name_rules if k not in names]
        missing += [t.from_column for t in self.child_tables if t.from_column not in names]
        if self.date_column and self.date_column not in names:
            missing.append(self.date_column)
        if missing:
            raise ValueError(f"contract {self.name} refers to unknown columns: {missing}")
        wrong = [h.hook for h in self.helper_columns if h.kind is not HookKind.HELPER]
        if wrong:
            raise ValueError(f"contract {self.name}: {wrong} are no helper_columns hooks")
        return self

    @property
    def conditional_presence(self) -> tuple[ConditionalPresence, ...]:
        return tuple(p for col in self.columns for p in col.conditional_presence)

    def generated_helpers(self) -> list[str]:
        """The helper columns the engine adds for the contract's declared rules (no hook)."""
        found = [f"_has_{c}" for c in self.presence_helpers()]
        for presence in self.conditional_presence:
            found += [presence.when_column, presence.has_column]
        for comparison in self.compare:
            found += [comparison.left_copy, comparison.right_copy]
        return found

    def presence_helpers(self) -> list[str]:
        """Columns whose `_has_<column>` (true where filled) a pair or equal check names."""
        names = set(self.column_names)
        named = [c for check in (*self.pair_checks, *self.equal_checks) for c in check.columns]
        return [
            n.removeprefix("_has_")
            for n in named
            if n.startswith("_has_") and n.removeprefix("_has_") in names
        ]


class VerdictWords(_Strict):
    pass_: tuple[str, ...] = Field(alias="pass")
    fail: tuple[str, ...]
    fail_prefixes: tuple[str, ...]


class MaskRule(_Strict):
    """One personal-data pattern and the fixed mark that replaces it (\\1 writes a group back)."""

    name: str
    pattern: str
    replacement: str


class BareNameRule(_Strict):
    """A whole cell that is a person's name, unless it ends like a business."""

    pattern: str
    unless: str
    replacement: str


class PersonalDataRules(_Strict):
    rules: tuple[MaskRule, ...]
    bare_name: BareNameRule


class CorrectionColumns(_Strict):
    """The correction workbook's own columns (整改清单), which the reader knows on the way back."""

    row_number: str
    reason: str
    #: appended to the header of a column whose value came from the file name:
    #: 抽检类型（由文件名判断）; the reader maps it like the header alone
    from_file_name_mark: str


class CommonRules(_Strict):
    header_scan_rows: int
    quarantine_threshold: float
    placeholders: tuple[str, ...]
    verdicts: VerdictWords
    below_detection: tuple[str, ...]
    date_min: str
    excel_epoch: str
    excel_serial_range: tuple[int, int]
    city_code: str
    max_cell_chars: int
    personal_data: PersonalDataRules
    trailer_prefixes: tuple[str, ...] = ()
    instruction_sheet_names: tuple[str, ...] = ()
    correction_columns: CorrectionColumns


class County(_Strict):
    county_code: str
    name_zh: str
    name_en: str
    variants: tuple[str, ...]


class Indicator(_Strict):
    model_config = ConfigDict(extra="ignore", frozen=True)
    indicator_code: str
    name_zh: str
    unit: str | None = None
