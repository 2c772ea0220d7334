"""The baseline: the suite's row expectations run by GX on the whole typed frame at once."""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("TQDM_DISABLE", "1")

import duckdb
import great_expectations as gx

from ingestion.contracts import get_contract
from ingestion.engine import checked_table
from ingestion.validation.context import batch_definition, load_suite
from ingestion.validation.runner import FileValidator


def main(warehouse: str) -> None:
    contract = get_contract("market_sampling")
    con = duckdb.connect(warehouse, read_only=True)
    table = con.execute(
        f"select {', '.join(contract.column_names)} from raw.market_sampling"
    ).to_arrow_table()
    table = checked_table(contract, table)
    frame = table.to_pandas(date_as_object=False)
    suite = load_suite(contract.name)
    rows_suite = gx.ExpectationSuite(
        name="plain", expectations=[e for e in suite.expectations if e.meta["level"] == "row"]
    )
    parameters = FileValidator(contract, __import__("datetime").date.today(), "bench")._parameters()
    batch = batch_definition(contract.name).get_batch(batch_parameters={"dataframe": frame})
    started = time.perf_counter()
    result = batch.validate(
        rows_suite, expectation_parameters=parameters, result_format={"result_format": "COMPLETE"}
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": len(frame),
                "success": result.success,
                "expectations": len(rows_suite.expectations),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
