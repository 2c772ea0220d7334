"""Great Expectations validation of every file before it is loaded.

The suites are generated from the source contracts (:mod:`.suites`), kept as JSON in the
file-backed context under `expectations/gx` (:mod:`.context`), and run per batch on the
batch's equivalence classes rather than its rows (:mod:`.runner`).

Importing this package imports Great Expectations, once per process, in the one place
that decides how (:mod:`.gx_import`): every module here needs it.
"""

from ingestion.validation.gx_import import import_great_expectations

import_great_expectations()
