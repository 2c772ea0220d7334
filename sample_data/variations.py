"""The variation tags a default run must show, derived from the contract where it can be.

Words the contract lists (placeholders, verdict words, type and method vocabularies,
below-detection words, failed-item separators) become tags here by reading the contract, so
adding a word to a contract makes the coverage test demand that the generator uses it.
"""

from __future__ import annotations

from ingestion.contracts import get_contract
from sample_data import contract_view as cv
from sample_data.exports import generic_sources
from sample_data.generic import required_tags
from sample_data.indicators import PERIOD_FORMS

_FIXED = (
    "format:csv", "format:xlsx", "format:xls",
    "encoding:utf-8", "encoding:utf-8-sig", "encoding:gb18030",
    "preamble:title_row", "preamble:merged_title", "preamble:notice_row",
    "preamble:statement_row", "preamble:blank_rows", "blank_rows_between_data",
    "header:inner_space", "header:surrounding_space", "header:fullwidth_punct",
    "header:halfwidth_punct", "header:line_break", "header:trailing_unit",
    "date:iso", "date:slash", "date:dot", "date:cn", "date:datetime", "date:annotated",
    "date:serial_text", "date:serial_number", "date:cell",
    "number:fullwidth", "number:thousands", "number:unit", "number:percent", "number:le",
    "number:cell", "below_detection:<x",
    "verdict:fail_prefix", "verdict:from_file_name_pass", "verdict:from_file_name_fail",
    "sampling_type:from_file_name_food", "sampling_type:from_file_name_drug",
    "sampling_type:from_file_name_industrial",
    "county:full", "county:short", "county:variant", "county:code",
    "county:column_absent_from_address", "county:blank_from_address",
    "county:city_blank", "county:city_全市",
    "failed_items:multiple",
    "sampling_date:blank_from_announcement", "sampling_date:column_absent_from_announcement",
    "construction:scale_from_size", "construction:round_defaults_to_1",
    "construction:several_rounds", "agri:sample_with_several_items",
    "file:large_csv", "file:duplicate_drop", "file:corrected_reexport",
)  # fmt: skip


def _item_sep_tag(sep: str) -> str:
    return f"failed_items:item_sep:{'newline' if sep == chr(10) else sep}"


def required_variations() -> set[str]:
    tags = set(_FIXED)
    tags |= {f"placeholder:{p or '<empty>'}" for p in cv.placeholders()}
    tags |= {f"verdict:{w}" for w in (*cv.pass_words(), *cv.fail_words())}
    tags |= {f"below_detection:{w}" for w in cv.below_detection_words()}
    tags |= {f"failed_items:field_sep:{s}" for s in cv.field_separators()}
    tags |= {_item_sep_tag(s) for s in cv.item_separators()}
    for kind in cv.vocabulary(cv.MARKET, "sampling_type"):
        tags |= {f"sampling_type:{w}" for w in cv.export_words(cv.MARKET, "sampling_type", kind)}
    for kind in cv.vocabulary(cv.AGRI, "test_method"):
        tags |= {f"test_method:{w}" for w in cv.export_words(cv.AGRI, "test_method", kind)}
    for kind in cv.vocabulary(cv.CONSTRUCTION, "scale_class"):
        tags |= {f"scale_class:{w}" for w in cv.export_words(cv.CONSTRUCTION, "scale_class", kind)}
    tags |= {f"period:{form}" for form in PERIOD_FORMS}
    for source in generic_sources():
        tags |= required_tags(get_contract(source))
    return tags
