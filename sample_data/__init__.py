"""Sample departmental exports for testing and benchmarking the ingestion.

``generate_exports(out_dir, rows, seed, defect_share)`` writes a landing folder with every
source in every spelling the contract says a reader must tolerate, a known share of
defective rows and a set of files that must be rejected, plus ``manifest.json``, the oracle
a test compares the ingestion's outcome with (see :mod:`sample_data.manifest`). The four
first sources have hand-written modules; any other contract gets its samples from the
contract alone (:mod:`sample_data.generic`).
``write_market_sampling_csv`` writes one large market_sampling CSV for benchmarks.

Everything is deterministic for a seed: one ``random.Random`` stream per file, no clock.
"""

from sample_data.exports import generate_exports
from sample_data.manifest import ExpectedRates, FileEntry, Manifest
from sample_data.market import write_market_sampling_csv
from sample_data.variations import required_variations

__all__ = [
    "ExpectedRates",
    "FileEntry",
    "Manifest",
    "generate_exports",
    "required_variations",
    "write_market_sampling_csv",
]
