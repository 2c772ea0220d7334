"""``generate_exports``: a landing folder of realistic departmental exports and its manifest.

The file list below is the test plan for the reader and loader: each file exercises some of
the contract's variations, carries ``defect_share`` of defective rows (one defect per row,
so the rule it must be quarantined under is unambiguous), or is broken as a whole for one
``file:`` rule. Files are written in the order they must be ingested: a corrected re-export
after the file it corrects, a duplicate drop after its original.

Sizes follow ``rows`` (the approximate number of market_sampling data rows): agri testing
about half of it, construction a twentieth (at least 150), indicator returns one row per
reportable indicator × (city + four counties), a source generated from its contract alone
(:mod:`sample_data.generic`) about 8 % of it (at least 160), over four files. Only the big
CSVs grow with ``rows``; the workbooks stay between a few dozen and a few thousand rows.
"""

from __future__ import annotations

import csv
import random
import shutil
from itertools import islice
from pathlib import Path

from opencc import OpenCC

from ingestion.contracts import get_contract
from ingestion.contracts.loader import source_names
from sample_data import bad_files, generic
from sample_data import contract_view as cv
from sample_data.agri import FULL_COLUMNS as AGRI_COLUMNS
from sample_data.agri import AgriFile, write_agri_file
from sample_data.builder import AliasPicker
from sample_data.construction import FULL_COLUMNS as CONSTRUCTION_COLUMNS
from sample_data.construction import (
    ConstructionFile,
    ConstructionLedger,
    write_construction_file,
)
from sample_data.indicators import IndicatorFile, reportable, write_indicator_file
from sample_data.manifest import ExpectedRates, FileEntry, Manifest
from sample_data.market import FULL_COLUMNS as MARKET_COLUMNS
from sample_data.market import (
    MarketFile,
    MarketLedger,
    big_csv_spec,
    corrected,
    write_market_file,
)
from sample_data.pools import department

MIN_ROWS = 500
MAX_DEFECT_SHARE = 0.15


def _without(columns: tuple[str, ...], *drop: str) -> tuple[str, ...]:
    return tuple(c for c in columns if c not in drop)


def _clamp(x: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(x)))


class _Run:
    """State shared by the files of one run: where, which seed, the books."""

    def __init__(self, out: Path, rows: int, seed: int, share: float) -> None:
        self.out, self.rows, self.seed, self.share = out, rows, seed, share
        self.aliases = AliasPicker()
        self.expected = ExpectedRates()
        self.market = MarketLedger(self.expected)
        self.construction = ConstructionLedger()
        self.manifest = Manifest(seed=seed, rows=rows, defect_share=share)

    def seed_for(self, rel_path: str) -> str:
        # One stream per file: changing one file's recipe leaves the others' bytes alone.
        return f"{self.seed}:{rel_path}"

    def add(self, entry: FileEntry) -> FileEntry:
        self.manifest.files.append(entry)
        return entry

    def duplicate(self, original: FileEntry, rel_path: str) -> None:
        """The same bytes dropped again under another name: skipped, nothing read."""
        shutil.copyfile(self.out / original.path, self.out / rel_path)
        self.add(
            FileEntry(
                path=rel_path, source=original.source, format=original.format,
                encoding=original.encoding, expected_status="duplicate",
                duplicate_of=original.path, variations={"file:duplicate_drop"},
            )
        )  # fmt: skip

    def rejected(
        self, rel_path: str, source: str | None, fmt: str, encoding: str | None, rule: str
    ) -> FileEntry:
        return self.refuse(
            FileEntry(rel_path, source, fmt, encoding if fmt == "csv" else None), rule
        )

    def refuse(self, entry: FileEntry, rule: str) -> FileEntry:
        """A written file the ingestion must reject whole under ``rule``."""
        entry.reject(rule)
        entry.variations.add(f"file:{rule}")
        return self.add(entry)


def generate_exports(
    out_dir: Path, rows: int = 20_000, seed: int = 0, defect_share: float = 0.03
) -> Manifest:
    """Write the four sources' exports under ``out_dir`` and ``out_dir/manifest.json``."""
    if rows < MIN_ROWS:
        raise ValueError(f"rows must be at least {MIN_ROWS} to show every variation")
    if not 0 <= defect_share <= MAX_DEFECT_SHARE:
        raise ValueError(f"defect_share must be between 0 and {MAX_DEFECT_SHARE}")
    out_dir.mkdir(parents=True, exist_ok=True)
    run = _Run(out_dir, rows, seed, defect_share)
    _market(run)
    _agri(run)
    _construction(run)
    _indicators(run)
    for source in generic_sources():
        _generic(run, source)
    _unsorted(run)
    run.market.finish()
    run.construction.finish(run.expected)
    run.manifest.expected = run.expected.to_json()
    run.manifest.write(out_dir / "manifest.json")
    return run.manifest


def _market(run: _Run) -> None:
    m = "market_sampling/"
    small = _clamp(run.rows * 0.03, 40, 3000)
    fail_list = _clamp(run.rows * 0.005, 20, 500)
    share = run.share

    def write(
        spec: MarketFile, *, records: list | None = None, direct: bool = False
    ) -> tuple[FileEntry, list]:
        entry, kept = write_market_file(
            run.out, spec, run.seed_for(spec.rel_path), run.aliases, run.market,
            direct=direct, records=records,
        )  # fmt: skip
        return run.add(entry), kept

    specs = [
        MarketFile(
            rel_path=f"{m}宜春市2025年第3期食品安全监督抽检合格信息.xlsx",
            fmt="xlsx",
            encoding=None,
            rows=small,
            batch=2,
            columns=_without(MARKET_COLUMNS, "verdict", "failed_items_text", "sampling_type"),
            date_forms=("cell", "cell", "serial", "iso"),
            title="宜春市市场监督管理局2025年第3期食品安全监督抽检合格信息",
            notices=("重要提示：本表所列产品仅指所标称的生产日期/批号的产品。",),
            blank_above=1,
            blank_between_every=25,
            header_variants={
                "sampled_unit": "line_break",
                "batch_text": "fullwidth_punct",
                "producer_name": "halfwidth_punct",
            },
            forced_aliases={"producer_name": "（标称）生产单位名称"},
            defect_share=share,
        ),
        MarketFile(
            rel_path=f"{m}宜春市2025年第3期食品安全监督抽检不合格信息.csv",
            fmt="csv",
            encoding="gb18030",
            rows=fail_list,
            batch=3,
            columns=_without(MARKET_COLUMNS, "verdict", "sampling_type"),
            date_forms=("slash", "cn", "dot"),
            title="宜春市市场监督管理局2025年第3期食品安全监督抽检不合格信息",
            notices=("声明：抽检结果仅对所抽样品负责。",),
            forced_aliases={"failed_items_text": "不合格项目║检验结果║标准值"},
            header_variants={"failed_items_text": "line_break"},
            item_seps=("\n", "；"),
            defect_share=share,
        ),
        MarketFile(
            rel_path=f"{m}2025年产品质量监督抽查结果.xls",
            fmt="xls",
            encoding=None,
            rows=small,
            batch=4,
            columns=_without(MARKET_COLUMNS, "sampling_type", "batch_text", "brand"),
            date_forms=("cell", "dot", "serial"),
            forced_aliases={
                "sampling_date": "监督抽查时间",
                "sampled_unit": "受检企业",
                "product_name": "产品名称",
                "category": "产品类别",
            },
            header_variants={"sampling_date": "inner_space", "verdict": "surrounding_space"},
            pass_words=("合格", "符合"),
            fail_words=("不合格", "不符合"),
            field_seps=("｜", "|"),
            title="2025年宜春市产品质量监督抽查结果",
            defect_share=share,
        ),
        MarketFile(
            rel_path=f"{m}药品化妆品医疗器械抽检结果（第2批）.xlsx",
            fmt="xlsx",
            encoding=None,
            rows=small,
            batch=5,
            columns=_without(MARKET_COLUMNS, "sampling_type"),
            date_forms=("serial", "cell", "iso"),
            forced_aliases={"verdict": "报告分类", "product_name": "药品名称"},
            pass_words=("合格报告",),
            fail_words=("一般不合格报告",),
            county_forms=("variant", "short"),
            blank_above=2,
            defect_share=share,
        ),
    ]
    run_big = big_csv_spec(
        f"{m}宜春市市场监督管理局2025年监督抽检信息汇总.csv",
        max(100, run.rows - 5 * small - fail_list), share, "utf-8",
        "宜春市市场监督管理局2025年监督抽检信息汇总", 1,
    )  # fmt: skip
    big, _ = write(run_big, direct=True)
    big.variations.add("file:large_csv")
    entries = [write(spec)[0] for spec in specs]
    run.duplicate(entries[-1], f"{m}药品化妆品医疗器械抽检结果（第2批）(1).xlsx")

    county_summary = MarketFile(
        rel_path=f"{m}市场监管抽检结果_县区汇总.csv",
        fmt="csv", encoding="utf-8-sig", rows=small, batch=6,
        columns=_without(MARKET_COLUMNS, "county_code"),
        date_forms=("iso", "datetime", "serial", "slash"),
        pass_words=("P", "通过", "达标", "合格样品", "阴性"),
        fail_words=("F", "不通过", "不达标", "不合格样品", "阳性"),
        field_seps=("丨", "||"), keep_records=True, defect_share=share, crlf=False,
    )  # fmt: skip
    original, kept = write(county_summary)
    announced = MarketFile(
        rel_path=f"{m}2025年食品安全抽检公告信息.xlsx",
        fmt="xlsx", encoding=None, rows=small, batch=7,
        columns=_without(MARKET_COLUMNS, "sampling_date"),
        kinds=("food",), date_forms=("cell", "cn", "serial"), fail_prefix_share=0.6,
        title="宜春市2025年食品安全抽检公告信息", defect_share=share,
    )  # fmt: skip
    write(announced)
    correction = MarketFile(
        rel_path=f"{m}市场监管抽检结果_县区汇总（更正）.csv",
        fmt="csv", encoding="utf-8-sig", rows=len(kept) + 1, batch=6,
        columns=county_summary.columns, date_forms=county_summary.date_forms,
        pass_words=county_summary.pass_words, fail_words=county_summary.fail_words,
    )  # fmt: skip
    fixed = corrected(kept, random.Random(run.seed_for(correction.rel_path)), 0.08)
    entry, _ = write(correction, records=fixed)
    entry.corrects = original.path
    entry.variations.add("file:corrected_reexport")

    _market_rejects(run, m, small)


def _market_rejects(run: _Run, m: str, small: int) -> None:
    run.rejected(f"{m}宜春市2025年第6期食品安全监督抽检信息.csv", cv.MARKET, "csv", None, "empty")
    bad_files.write_empty(run.out / run.manifest.files[-1].path)

    neither = [
        # a 合格-style list (no verdict column) whose name says neither 合格 nor 不合格
        MarketFile(
            rel_path=f"{m}宜春市2025年第4期食品安全监督抽检信息.xlsx", fmt="xlsx",
            encoding=None, rows=30, batch=8, assume_verdict=True,
            columns=_without(MARKET_COLUMNS, "verdict", "failed_items_text", "sampling_type"),
            date_forms=("cell",),
        ),
        # no sampling-type column and no 食品/药品/产品 in the name
        MarketFile(
            rel_path=f"{m}2025年第5期监督抽检合格信息.csv", fmt="csv", encoding="utf-8",
            rows=30, batch=9,
            columns=_without(MARKET_COLUMNS, "verdict", "failed_items_text", "sampling_type"),
        ),
    ]  # fmt: skip
    for spec in neither:
        entry, _ = write_market_file(run.out, spec, run.seed_for(spec.rel_path), run.aliases, None)
        run.refuse(entry, "undecidable_from_name")

    broken = MarketFile(
        rel_path=f"{m}2025年第7期食品抽检结果.xlsx", fmt="xlsx", encoding=None,
        rows=small, batch=10, columns=MARKET_COLUMNS,
    )  # fmt: skip
    write_market_file(run.out, broken, run.seed_for(broken.rel_path), AliasPicker(), None)
    bad_files.truncate(run.out / broken.rel_path)
    run.rejected(broken.rel_path, cv.MARKET, "xlsx", None, "unreadable")

    pdf = f"{m}宜春市2025年第2期食品安全抽检公告.pdf"
    bad_files.write_pdf(run.out / pdf)
    run.rejected(pdf, cv.MARKET, "pdf", None, "unsupported_format")

    # An export whose system clock ran 30 years ahead: every date is after any load day.
    future = MarketFile(
        rel_path=f"{m}监督抽检数据导出（系统）.csv", fmt="csv", encoding="utf-8", rows=40,
        batch=12, columns=MARKET_COLUMNS, date_forms=("iso", "slash"), clock_error_years=30,
    )  # fmt: skip
    entry, _ = write_market_file(
        run.out, future, run.seed_for(future.rel_path), AliasPicker(), None
    )
    run.refuse(entry, "future_dates")

    mixed = f"{m}抽检数据_合并.csv"
    source = run.out / f"{m}宜春市市场监督管理局2025年监督抽检信息汇总.csv"
    with source.open(encoding="utf-8", newline="") as fh:
        lines = list(islice(csv.reader(fh), 24))
    header_at = next(i for i, r in enumerate(lines) if len([c for c in r if c]) > 5)
    bad_files.write_mixed_encoding_csv(
        run.out / mixed, lines[header_at], lines[header_at + 1 : header_at + 21]
    )
    run.rejected(mixed, cv.MARKET, "csv", None, "encoding")


def _agri(run: _Run) -> None:
    a = "agri_testing/"
    total = run.rows // 2
    supervision = _clamp(run.rows * 0.03, 80, 3000)
    rapid = _clamp(run.rows * 0.02, 60, 2000)
    share = run.share

    def write(spec: AgriFile, expected: ExpectedRates | None) -> FileEntry:
        return write_agri_file(run.out, spec, run.seed_for(spec.rel_path), run.aliases, expected)

    big = AgriFile(
        rel_path=f"{a}2025年食用农产品例行监测数据.csv", fmt="csv", encoding="gb18030",
        rows=max(200, total - supervision - rapid), batch=1, columns=AGRI_COLUMNS,
        title="宜春市2025年食用农产品质量安全例行监测结果",
        notices=("声明：本结果仅对所检样品负责。",), county_blank_share=0.02,
        defect_share=share, min_defects=12,
    )  # fmt: skip
    run.add(write(big, run.expected)).variations.add("file:large_csv")
    specs = [
        AgriFile(
            rel_path=f"{a}2025年第二季度农产品质量安全监督抽查结果.xlsx", fmt="xlsx",
            encoding=None, rows=supervision, batch=2,
            columns=_without(AGRI_COLUMNS, "county_code"), methods=("quantitative",),
            date_forms=("cell", "serial", "cn"), number_forms=("plain", "unit", "fullwidth"),
            title="2025年第二季度农产品质量安全监督抽查结果",
            notices=("重要提示：未检出项目以“未检出”或“ND”表示。",), blank_above=1,
            blank_between_every=40,
            header_variants={"measured_value": "line_break", "limit_value": "inner_space"},
            defect_share=share,
        ),
        AgriFile(
            rel_path=f"{a}农产品快检结果登记表.xls", fmt="xls", encoding=None, rows=rapid,
            batch=3, columns=_without(AGRI_COLUMNS, "standard"), methods=("rapid",),
            date_forms=("cell", "dot", "slash"),
            forced_aliases={"test_item": "检测项目", "verdict": "检测结果"},
            defect_share=share,
        ),
    ]  # fmt: skip
    entries = [run.add(write(spec, run.expected)) for spec in specs]
    run.duplicate(entries[-1], f"{a}农产品快检结果登记表 - 副本.xls")

    over = AgriFile(
        rel_path=f"{a}乡镇农产品检测站上报数据.csv", fmt="csv", encoding="utf-8", rows=50,
        batch=4, columns=AGRI_COLUMNS, defect_share=0.4, defect_cap=0.5,
    )  # fmt: skip
    run.refuse(write(over, None), "over_threshold")

    missing = AgriFile(
        rel_path=f"{a}2025年8月农残监测数据.xlsx", fmt="xlsx", encoding=None, rows=40,
        batch=5, columns=_without(AGRI_COLUMNS, "test_item"),
    )  # fmt: skip
    run.refuse(write(missing, None), "missing_required_columns")

    # market_sampling's headers dropped in agriculture's landing folder
    wrong = MarketFile(
        rel_path=f"{a}2025年第3期食品安全抽检信息.xlsx", fmt="xlsx", encoding=None,
        rows=30, batch=11, columns=MARKET_COLUMNS,
    )  # fmt: skip
    entry, _ = write_market_file(run.out, wrong, run.seed_for(wrong.rel_path), AliasPicker(), None)
    entry.source = cv.AGRI
    run.refuse(entry, "wrong_source")


def _construction(run: _Run) -> None:
    c = "construction_acceptance/"
    total = max(run.rows // 20, 150)
    # the workbooks stay small; the CSV ledger takes the rest when rows grow
    ledger_rows = min(int(total * 0.6), 3000)
    summary_rows = min(int(total * 0.25), 2000)
    share = run.share

    def write(spec: ConstructionFile) -> FileEntry:
        return write_construction_file(
            run.out, spec, run.seed_for(spec.rel_path), run.aliases, run.construction
        )

    specs = [
        ConstructionFile(
            rel_path=f"{c}2025年竣工验收备案信息.xlsx", fmt="xlsx", encoding=None,
            rows=ledger_rows, batch=1, columns=CONSTRUCTION_COLUMNS,
            date_forms=("cell", "iso", "serial", "cn"), title="宜春市2025年房屋建筑工程竣工验收备案信息",
            forced_aliases={"floor_area_m2": "实际面积（平方米）", "cost_10k_yuan": "实际造价（万元）"},
            header_variants={"floor_area_m2": "halfwidth_punct", "acceptance_round": "line_break"},
            defect_share=share, min_defects=10,
        ),
        ConstructionFile(
            rel_path=f"{c}竣工验收情况表（7-10月）.xls", fmt="xls", encoding=None,
            rows=summary_rows, batch=2,
            columns=_without(CONSTRUCTION_COLUMNS, "scale_class", "acceptance_round"),
            date_forms=("cell", "dot", "slash"), county_forms=("code",),
            forced_aliases={"county_code": "行政区划代码", "floor_area_m2": "建筑面积（㎡）"},
            defect_share=share,
        ),
        ConstructionFile(
            rel_path=f"{c}住建局竣工验收台账.csv", fmt="csv", encoding="gb18030",
            rows=max(20, total - ledger_rows - summary_rows), batch=3,
            columns=_without(CONSTRUCTION_COLUMNS, "county_code"),
            forced_aliases={"scale_class": "项目规模", "cost_10k_yuan": "工程造价（万元）"},
            header_variants={"cost_10k_yuan": "halfwidth_punct"},
            title="住建局竣工验收台账（2025年）", blank_above=2, defect_share=share,
        ),
    ]  # fmt: skip
    for spec in specs:
        run.add(write(spec))

    empty = ConstructionFile(
        rel_path=f"{c}2025年10月竣工验收备案信息.xlsx", fmt="xlsx", encoding=None, rows=0,
        batch=4, columns=CONSTRUCTION_COLUMNS, title="2025年10月竣工验收备案信息",
    )  # fmt: skip
    run.refuse(write(empty), "no_data_rows")


def _indicators(run: _Run) -> None:
    i = "indicator_reports/"
    inds = reportable()
    own = [x for x in inds if department(x.indicator_code) == "市市场监管局"]
    others = [x for x in inds if department(x.indicator_code) != "市市场监管局"]
    specs = [
        IndicatorFile(
            rel_path=f"{i}2025年质量强市指标填报（市市场监管局）.xlsx", fmt="xlsx",
            encoding=None, indicators=own, batch=1,
            rules=("required_missing", "invalid_number", "unknown_county",
                   "unknown_indicator", "duplicate_key"),
            title="宜春市质量强市建设指标完成情况填报表", blank_above=1,
            header_variants={"period": "surrounding_space"},
            defect_share=run.share, min_defects=5,
        ),
        IndicatorFile(
            rel_path=f"{i}质量强市指标填报_其他责任单位.csv", fmt="csv", encoding="gb18030",
            indicators=others, batch=2,
            rules=("invalid_period", "unit_mismatch", "indicator_name_mismatch",
                   "duplicate_row", "malformed_row"),
            title="质量强市建设指标完成情况（各责任单位）",
            notices=("重要提示：数值请填写阿拉伯数字。",),
            defect_share=run.share, min_defects=5,
        ),
    ]  # fmt: skip
    for spec in specs:
        run.add(write_indicator_file(run.out, spec, run.seed_for(spec.rel_path), run.aliases))

    notes = f"{i}指标填报说明.xlsx"
    bad_files.write_notes_xlsx(run.out / notes, bad_files.INSTRUCTIONS)
    run.rejected(notes, cv.INDICATORS, "xlsx", None, "no_header")


def generic_sources() -> list[str]:
    """Every source whose contract has no hand-written module: its samples come from the
    contract alone (:mod:`sample_data.generic`), so a new contract gets them unasked."""
    return [s for s in source_names() if generic.is_generic(s)]


def _generic(run: _Run, source: str) -> None:
    contract = get_contract(source)
    plan = generic.default_files(contract, _clamp(run.rows * 0.08, 160, 8000), run.share)

    def write(spec: generic.GenericFile) -> FileEntry:
        return generic.write_generic_file(
            run.out, contract, spec, run.seed_for(spec.rel_path), run.aliases
        )

    for spec in plan.loaded:
        run.add(write(spec))
    if plan.missing_column is not None:
        run.refuse(write(plan.missing_column), "missing_required_columns")


def _unsorted(run: _Run) -> None:
    path = "_unsorted/2025年规上工业企业名录.xlsx"
    rng = random.Random(run.seed_for(path))
    counties = [c.name_zh for c in cv.county_table()]
    rows = [
        [str(n), f"江西{rng.choice(('恒信', '金泰', '瑞丰', '宏远'))}科技有限公司{n}",
         f"91360900MA{rng.randint(10**7, 10**8 - 1)}", rng.choice(counties),
         "宜春市袁州区春风路8号", rng.choice(("锂电池", "陶瓷", "中药饮片", "电机")),
         "0795-3210000", ""]
        for n in range(1, 13)
    ]  # fmt: skip
    bad_files.write_table_xlsx(
        run.out / path, "2025年规模以上工业企业名录", bad_files.ENTERPRISE_HEADER, rows
    )
    # No header can be recognised, so no row is ever read as data: rows_read stays 0.
    run.rejected(path, None, "xlsx", None, "unknown_source")

    # A sampling list typed in traditional characters (a Hong Kong or Taiwan template):
    # a look-alike, rejected asking for simplified headers.
    traditional = "_unsorted/食品抽檢結果（繁體）.xlsx"
    to_traditional = OpenCC("s2t").convert
    market = get_contract("market_sampling")
    header = [to_traditional(market.column(c).aliases[0]) for c in MARKET_COLUMNS[:9]]
    rows = [[to_traditional(f"样品{n}") for _ in header] for n in range(1, 6)]
    bad_files.write_table_xlsx(run.out / traditional, "食品安全監督抽檢信息", header, rows)
    run.rejected(traditional, None, "xlsx", None, "traditional_headers")
