"""`qcity generate`: write a landing folder of sample departmental exports.

The folder holds every source in every spelling the contract tolerates, a known share of
defective rows and files that must be rejected, and ``manifest.json`` saying what a correct
ingestion makes of each file. Use it to try the pipeline without real data, in tests, and
(with a large ``--rows``) in benchmarks.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("generate")
    def generate(
        out: Annotated[
            Path,
            typer.Option("--out", help="Folder to write the exports and manifest.json into."),
        ],
        rows: Annotated[
            int,
            typer.Option(
                "--rows",
                min=500,
                help="About how many market_sampling data rows (other sources scale with it).",
            ),
        ] = 20_000,
        seed: Annotated[int, typer.Option("--seed", help="Same seed, same bytes.")] = 0,
        defect_share: Annotated[
            float,
            typer.Option(
                "--defect-share",
                min=0.0,
                max=0.15,
                help="Share of rows carrying one defect each (files stay loadable).",
            ),
        ] = 0.03,
    ) -> None:
        """Write sample exports of every source and their manifest."""
        # Imported here so `qcity --help` does not load the workbook writers.
        from sample_data import generate_exports

        manifest = generate_exports(out, rows=rows, seed=seed, defect_share=defect_share)
        statuses = Counter(f.expected_status for f in manifest.files)
        read = sum(f.rows_read for f in manifest.files if f.expected_status == "loaded")
        quarantined = sum(f.rows_quarantined for f in manifest.files)
        typer.echo(
            f"wrote {len(manifest.files)} files to {out} "
            f"({statuses['loaded']} to load, {statuses['duplicate']} duplicate, "
            f"{statuses['rejected']} to reject); {read} data rows in loadable files, "
            f"{quarantined} to quarantine"
        )
        typer.echo(f"manifest: {out / 'manifest.json'}")
