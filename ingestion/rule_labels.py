"""The row rules' labels as a dbt seed: the data-quality mart names rules as clerks do.

The labels live in `ingestion/contracts/messages.yaml` (the one catalogue of what a rule is
called); dbt cannot read that file, so `dbt_project/seeds/quality_rules.csv` is generated
from it by `qcity contracts sync`, whose `--check` fails when the two differ.
"""

from __future__ import annotations

import csv
import io

from ingestion.contracts import messages
from qcity.settings import DBT_PROJECT_DIR

SEED_PATH = DBT_PROJECT_DIR / "seeds" / "quality_rules.csv"


def render() -> str:
    """The seed's text: one row per row-level rule, in the catalogue's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["rule", "label_zh"])
    for rule, texts in messages()["row"].items():
        writer.writerow([rule, texts["label"]])
    return out.getvalue()
