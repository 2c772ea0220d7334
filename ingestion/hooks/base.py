"""What every hook can rely on in the table it is given."""

#: Helper hooks see each column's cells as typed under this prefix (`_raw_value`), beside
#: the parsed columns: a few facts live in the text itself (the unit typed in `33家`).
RAW_PREFIX = "_raw_"
