"""The DuckDB warehouse: schema from the contracts, file loads, manifest and quarantine."""
