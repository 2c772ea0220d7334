"""Readers turn an export file into tables of text cells, whatever its format or encoding.

Each reader yields :class:`~ingestion.readers.base.RawTable` objects: a preview of the first
rows (to find the header) and a stream of string batches below it. Nothing here knows the
contracts; :mod:`ingestion.readers.open` picks the reader from the file's bytes, not its name.
"""

from ingestion.readers.base import RawBatch, RawTable
from ingestion.readers.open import ExportFile, open_export

__all__ = ["ExportFile", "RawBatch", "RawTable", "open_export"]
