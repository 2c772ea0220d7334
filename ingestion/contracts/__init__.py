"""Source contracts: the declarative description of each departmental export.

Everything a reader needs to know about a source (columns, aliases, vocabularies, keys,
thresholds, cadence, owning department, alert share, dbt staging group) lives in the YAML files beside this module, validated by
:mod:`ingestion.contracts.schema`. Adding an alias or a source is a data change only.
"""

from ingestion.contracts.loader import (
    all_contracts,
    common_rules,
    counties,
    department_name,
    departments,
    get_contract,
    indicators,
    messages,
    source_names,
)
from ingestion.contracts.schema import ChildTable, ColumnSpec, ColumnType, Contract

__all__ = [
    "ChildTable",
    "ColumnSpec",
    "ColumnType",
    "Contract",
    "all_contracts",
    "common_rules",
    "counties",
    "department_name",
    "departments",
    "get_contract",
    "indicators",
    "messages",
    "source_names",
]
