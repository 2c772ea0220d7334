"""Cell-level parsers: each turns one exported cell into a canonical value or a rule code.

Parsers work on single Python strings so the rules read like the contract and can be tested
property by property; the engine applies them to the distinct values of a column only,
which keeps a million-row file fast.
"""
