"""The generated landing folder against its own manifest and the contract."""

from __future__ import annotations

import csv
import json
import unicodedata
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from ingestion.contracts import common_rules, get_contract, messages
from sample_data import Manifest, generate_exports, required_variations
from tests.sample_data.conftest import ROWS, SEED

#: Rules no generated file can show honestly: a file's maximum size is a loader setting, and
#: a validation error is a failure of the loader, not of an export.
# duplicate_column and header_changed are shapes of hand-made files, tested in tests/warehouse.
#: Rules no generated file breaks: an encrypted workbook needs a cryptography library to
#: write (tests/readers/test_lookalikes.py builds the compound file's header instead).
NOT_GENERATED = {
    "too_large",
    "validation_error",
    "duplicate_column",
    "header_changed",
    "encrypted",
}
VERDICT_ALIASES = set(get_contract("market_sampling").column("verdict").aliases)


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(generated: tuple[Path, Manifest], tmp_path: Path) -> None:
    root, _ = generated
    generate_exports(tmp_path, rows=ROWS, seed=SEED)
    assert _files(tmp_path) == _files(root)


def test_other_seed_other_bytes(generated: tuple[Path, Manifest], tmp_path: Path) -> None:
    root, manifest = generated
    generate_exports(tmp_path, rows=ROWS, seed=SEED + 1)
    big = manifest.files[0].path
    assert (tmp_path / big).read_bytes() != (root / big).read_bytes()


def test_manifest_json_is_the_returned_manifest(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    on_disk = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(manifest.to_json()))
    listed = {f["path"] for f in on_disk["files"]}
    written = set(_files(root)) - {"manifest.json"}
    assert listed == written


def test_every_contract_variation_is_exercised(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    assert required_variations() - manifest.variations == set()


def test_every_row_rule_is_injected(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    injected = {rule for f in manifest.files for rule in f.row_defects}
    assert set(messages()["row"]) - NOT_GENERATED <= injected
    loaded = {rule for f in manifest.files for rule in f.quarantine_rules}
    assert set(messages()["row"]) - NOT_GENERATED <= loaded


def test_every_file_rule_is_injected(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    rejected = {f.reject_rule for f in manifest.files if f.expected_status == "rejected"}
    assert set(messages()["file"]) - NOT_GENERATED <= rejected
    assert rejected <= set(messages()["file"])


def test_loaded_files_account_for_every_row(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    for f in manifest.files:
        assert sum(f.quarantine_rules.values()) == f.rows_quarantined, f.path
        if f.expected_status == "loaded":
            assert f.reject_rule is None
            assert f.rows_read == f.rows_loaded + f.rows_quarantined > 0, f.path
        else:
            assert f.rows_loaded == f.rows_quarantined == 0, f.path
            assert (f.reject_rule is None) == (f.expected_status == "duplicate"), f.path


def test_loadable_files_stay_well_under_the_threshold(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    for f in manifest.files:
        if f.expected_status == "loaded":
            assert f.rows_quarantined / f.rows_read < 0.15, f.path
    over = next(f for f in manifest.files if f.reject_rule == "over_threshold")
    assert sum(over.row_defects.values()) / over.rows_read > 0.3


def test_defect_share_is_roughly_honoured(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    big = manifest.files[0]
    share = sum(big.row_defects.values()) / big.rows_read
    assert 0.02 < share < 0.06


def _data_rows(root: Path, entry: dict) -> int:
    """Rows below the header that are not blank, read back from the file itself."""
    path = root / entry["path"]
    if entry["format"] == "csv":
        with path.open(encoding=entry["encoding"], newline="") as fh:
            rows = [list(r) for r in csv.reader(fh)]
    else:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = [list(r) for r in sheet.to_python()]
    filled = [[c for c in r if str(c).strip() != ""] for r in rows]
    header = next(i for i, r in enumerate(filled) if len(r) >= 4)
    return sum(1 for r in filled[header + 1 :] if r)


def test_rows_read_is_the_files_data_rows(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    for f in manifest.to_json()["files"]:
        if f["expected_status"] == "duplicate" or f["rows_read"] == 0:
            continue
        assert _data_rows(root, f) == f["rows_read"], f["path"]


def test_blank_rows_between_data_are_not_counted(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    entry = next(f for f in manifest.files if "blank_rows_between_data" in f.variations)
    sheet = CalamineWorkbook.from_path(str(root / entry.path)).get_sheet_by_index(0).to_python()
    blank_inside = [i for i, r in enumerate(sheet) if i > 4 and not any(str(c) for c in r)]
    assert blank_inside
    assert _data_rows(root, entry.to_json()) == entry.rows_read


def test_gb18030_files_are_not_utf8(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    gb = [f for f in manifest.files if f.encoding == "gb18030"]
    assert len(gb) >= 2
    for f in gb:
        data = (root / f.path).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert not data.startswith(b"\xef\xbb\xbf")
        data.decode("gb18030")


def test_utf8_files_with_and_without_bom(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    for f in manifest.files:
        if f.expected_status == "rejected" or f.format != "csv":
            continue
        data = (root / f.path).read_bytes()
        if f.encoding == "utf-8-sig":
            assert data.startswith(b"\xef\xbb\xbf"), f.path
        elif f.encoding == "utf-8":
            assert not data.startswith(b"\xef\xbb\xbf"), f.path
            data.decode("utf-8")


def test_mixed_encoding_file_decodes_in_no_encoding(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    entry = next(f for f in manifest.files if f.reject_rule == "encoding")
    data = (root / entry.path).read_bytes()
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)


def test_broken_files_are_broken(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    by_rule = {f.reject_rule: root / f.path for f in manifest.files if f.reject_rule}
    assert by_rule["empty"].stat().st_size == 0
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(by_rule["unreadable"])
    assert by_rule["unsupported_format"].read_bytes().startswith(b"%PDF")
    assert by_rule["unknown_source"].parent.name == "_unsorted"


def test_duplicates_repeat_an_earlier_file(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    order = [f.path for f in manifest.files]
    duplicates = [f for f in manifest.files if f.expected_status == "duplicate"]
    assert duplicates
    for f in duplicates:
        assert f.duplicate_of is not None
        assert order.index(f.duplicate_of) < order.index(f.path)
        assert (root / f.path).read_bytes() == (root / f.duplicate_of).read_bytes()


def test_correction_comes_after_its_original(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    order = [f.path for f in manifest.files]
    fix = next(f for f in manifest.files if f.corrects)
    assert order.index(fix.corrects) < order.index(fix.path)

    rules = common_rules().verdicts

    def verdicts(path: str) -> dict[str, str]:
        with (root / path).open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        col = next(i for i, h in enumerate(rows[0]) if _norm(h) in VERDICT_ALIASES)
        out = {}
        for r in rows[1:]:
            word = _norm(r[col])
            if word in rules.pass_:
                out[r[0]] = "pass"
            elif word in rules.fail or word.startswith(rules.fail_prefixes):
                out[r[0]] = "fail"
        return out

    before, after = verdicts(fix.corrects), verdicts(fix.path)
    assert set(after) <= set(before) and len(after) > 0.8 * len(before)
    assert any(before[k] != v for k, v in after.items())


def test_file_names_decide_what_the_contract_says(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    names = {Path(f.path).name: f for f in manifest.files}
    assert (
        "verdict:from_file_name_pass"
        in names["宜春市2025年第3期食品安全监督抽检合格信息.xlsx"].variations
    )
    assert (
        "verdict:from_file_name_fail"
        in names["宜春市2025年第3期食品安全监督抽检不合格信息.csv"].variations
    )


def test_expected_rates_are_consistent(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    expected = manifest.expected
    assert set(expected) == {
        "QUAL_FOOD_DRUG_SAMPLING_PASS_RATE",
        "QUAL_MFG_PRODUCT_PASS_RATE",
        "QUAL_AGRI_MONITORING_PASS_RATE",
        "QUAL_PROJECT_FIRST_ACCEPTANCE_RATE",
    }
    for by_county in expected.values():
        city = by_county.pop("360900")
        assert set(city) == {"2025"}
        for year, cell in city.items():
            assert cell["passed"] == sum(c[year]["passed"] for c in by_county.values())
            assert cell["total"] == sum(c[year]["total"] for c in by_county.values())
            assert 0 < cell["passed"] < cell["total"]
        by_county["360900"] = city


def test_market_totals_count_each_loaded_sample_once(generated: tuple[Path, Manifest]) -> None:
    _, manifest = generated
    expected = manifest.expected
    total = sum(
        expected[code]["360900"]["2025"]["total"]
        for code in ("QUAL_FOOD_DRUG_SAMPLING_PASS_RATE", "QUAL_MFG_PRODUCT_PASS_RATE")
    )
    market = [f for f in manifest.files if f.source == "market_sampling"]
    loaded = [f for f in market if f.expected_status == "loaded" and not f.corrects]
    # each loaded row is one sample, except the first of a duplicate_row pair (one sample,
    # two rows, one loaded): so loaded rows are exactly the samples counted
    assert total == sum(f.rows_loaded for f in loaded) + _newly_loaded_by_correction(manifest)


def _newly_loaded_by_correction(manifest: Manifest) -> int:
    fix = next(f for f in manifest.files if f.corrects)
    original = manifest.entry(fix.corrects)
    # samples quarantined in the original load from the clean correction; a duplicate_key
    # pair is one sample; a duplicate_row adds a row but no sample
    pairs = original.quarantine_rules.get("duplicate_key", 0) // 2
    single = original.rows_quarantined - original.quarantine_rules.get("duplicate_key", 0)
    single -= original.quarantine_rules.get("duplicate_row", 0)
    return pairs + single


def test_rows_argument_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_exports(tmp_path, rows=10, seed=1)
    with pytest.raises(ValueError):
        generate_exports(tmp_path, rows=1000, seed=1, defect_share=0.5)


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_every_header_cell_is_a_contract_alias(generated: tuple[Path, Manifest]) -> None:
    root, manifest = generated
    checked = 0
    for f in manifest.files:
        if f.expected_status != "loaded":
            continue
        contract = get_contract(f.source)
        aliases = {_norm(a) for c in contract.columns for a in c.aliases}
        path = root / f.path
        if f.format == "csv":
            with path.open(encoding=f.encoding, newline="") as fh:
                rows = list(csv.reader(fh))
        else:
            rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        header = next(r for r in rows if len([c for c in r if str(c).strip()]) >= 4)
        cells = [_norm(str(c)) for c in header if str(c).strip()]
        assert set(cells) <= aliases, (f.path, set(cells) - aliases)
        assert len(cells) == len(set(cells)), f.path
        checked += 1
    assert checked >= 10
