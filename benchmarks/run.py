"""`make bench`: every benchmark in one run, printed side by side (figures in README.md)."""

from __future__ import annotations

import importlib
import sys

#: name -> module with run()/report()/main(); `make bench ONLY=ingest` runs one.
BENCHMARKS = {
    "ingest": "benchmarks.ingest_bench",
    "dbt": "benchmarks.dbt_bench",
    "airflow": "benchmarks.airflow_bench",
    "landing": "benchmarks.airflow_landing",
    "small": "benchmarks.small_file",
    "soak": "benchmarks.soak",
    "reliability": "benchmarks.reliability",
}


def main(argv: list[str]) -> None:
    chosen = argv or list(BENCHMARKS)
    for name in chosen:
        print(f"== {name} ==", flush=True)
        try:
            module = importlib.import_module(BENCHMARKS[name])
        except ModuleNotFoundError as exc:
            print(f"   (not available: {exc})")
            continue
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
