"""Agriculture: a numeric result and its limit must agree with the verdict."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from ingestion.contracts import Contract
from ingestion.problems import encode


def measured_value_matches_verdict(
    contract: Contract, table: pa.Table
) -> list[tuple[str, pa.Array]]:
    measured, limit, verdict = table["measured_value"], table["limit_value"], table["verdict"]
    over = pc.greater(measured, limit)  # null unless both are numbers
    pass_over = pc.and_(pc.equal(verdict, "pass"), over)
    fail_within = pc.and_(pc.equal(verdict, "fail"), pc.invert(over))
    problems = pc.if_else(
        pc.fill_null(pass_over, False),
        encode("verdict_inconsistent", "above_limit_but_pass"),
        pc.if_else(
            pc.fill_null(fail_within, False),
            encode("verdict_inconsistent", "within_limit_but_fail"),
            pa.scalar(None, pa.string()),
        ),
    )
    return [("verdict", problems)]
