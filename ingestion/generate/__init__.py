"""Sample departmental exports for testing and benchmarking the ingestion.

``generate_exports(out_dir, rows, seed, defect_share)`` writes a landing folder with all four
sources in every spelling the contract says a reader must tolerate, a known share of
defective rows and a set of files that must be rejected, plus ``manifest.json``, the oracle
a test compares the ingestion's outcome with (see :mod:`ingestion.generate.manifest`).
``write_market_sampling_csv`` writes one large market_sampling CSV for benchmarks.

Everything is deterministic for a seed: one ``random.Random`` stream per file, no clock.
"""

from ingestion.generate.exports import generate_exports
from ingestion.generate.manifest import ExpectedRates, FileEntry, Manifest
from ingestion.generate.market import write_market_sampling_csv
from ingestion.generate.variations import required_variations

__all__ = [
    "ExpectedRates",
    "FileEntry",
    "Manifest",
    "generate_exports",
    "required_variations",
    "write_market_sampling_csv",
]
