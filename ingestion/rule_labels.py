"""The row rules' labels as a dbt seed: the data-quality mart names rules as clerks do.

The labels live in `ingestion/contracts/messages.yaml` (the one catalogue of what a rule is
called); dbt cannot read that file, so `dbt_project/seeds/quality_rules.csv` is generated
from it (`python -m ingestion.rule_labels --write`) and a test fails when the two differ.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from ingestion.contracts import messages

SEED_PATH = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "quality_rules.csv"


def render() -> str:
    """The seed's text: one row per row-level rule, in the catalogue's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rule", "label_zh"])
    for rule, texts in messages()["row"].items():
        writer.writerow([rule, texts["label"]])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the seed")
    args = parser.parse_args(argv)
    if args.write:
        SEED_PATH.write_text(render(), encoding="utf-8")
        return 0
    current = SEED_PATH.read_text(encoding="utf-8") if SEED_PATH.exists() else ""
    if current != render():
        print(f"{SEED_PATH} differs from messages.yaml: run with --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
