"""Typed schema of a source contract, checked before anything runs."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

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
    #: name of a hook that fills the column when it is absent from the file
    when_absent: str | None = None
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
        return self


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
    name: str
    hook: str
    from_column: str
    columns: tuple[ChildColumn, ...]


class FailedItemsFormat(_Strict):
    field_separators: tuple[str, ...]
    item_separators: tuple[str, ...]


class ScaleRule(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    class_: str = Field(alias="class")
    min_floor_area_m2: float | None = None
    min_cost_10k_yuan: float | None = None


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
    failed_items: FailedItemsFormat | None = None
    #: hooks that add `_`-prefixed helper columns the checks below compare
    helper_columns: tuple[str, ...] = ()
    pair_checks: tuple[PairCheck, ...] = ()
    equal_checks: tuple[EqualCheck, ...] = ()
    scale_rule: tuple[ScaleRule, ...] = ()

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
        missing += [k for k in self.file_name_rules if k not in names]
        missing += [t.from_column for t in self.child_tables if t.from_column not in names]
        if self.date_column and self.date_column not in names:
            missing.append(self.date_column)
        if missing:
            raise ValueError(f"contract {self.name} refers to unknown columns: {missing}")
        return self


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
