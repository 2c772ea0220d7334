"""Agriculture: whether a numeric result exceeds its numeric limit (null unless both are numbers)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import Contract


def exceeds_limit(contract: Contract, table: pa.Table, params: None) -> dict[str, pa.Array]:
    return {"_exceeds_limit": pc.greater(table["measured_value"], table["limit_value"])}
