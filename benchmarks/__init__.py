"""`make bench`: measured, side-by-side figures; see benchmarks/README.md."""
