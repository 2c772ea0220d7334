"""Great Expectations validation of every file before it is loaded.

The suites are generated from the source contracts (:mod:`.suites`), kept as JSON in the
file-backed context under `expectations/gx` (:mod:`.context`), and run per batch on the
batch's equivalence classes rather than its rows (:mod:`.runner`).
"""
