"""Counties and addresses as exports write them.

The county table (codes, names, variants) comes from the dbt seed through the contract
loader. What is added here is only what the seed does not hold: real town names per county
and street names, so that an address reads like one and names exactly one county. Streets
and towns never contain a county name or variant (a test checks it), otherwise deriving the
county from an address would be ambiguous and the manifest could not predict the result.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache
from typing import TypeVar

from ingestion.contracts.schema import County
from sample_data import contract_view as cv
from sample_data.cells import Tags

T = TypeVar("T")

#: Towns and sub-districts (乡镇/街道) per county code; the city level (360999) has none,
#: so a city-level row always carries its county in the county column.
TOWNS: dict[str, tuple[str, ...]] = {
    "360902": ("湖田镇", "西村镇", "慈化镇", "天台镇", "洪塘镇", "芦村镇", "水江镇", "渥江镇"),
    "360921": ("冯川镇", "赤岸镇", "宋埠镇", "干洲镇", "会埠镇"),
    "360922": ("康乐街道", "株潭镇", "黄茅镇", "潭埠镇", "双桥镇"),
    "360923": ("敖阳街道", "泗溪镇", "翰堂镇", "南港镇", "田心镇"),
    "360924": ("新昌镇", "潭山镇", "澄塘镇", "桥西乡", "芳溪镇"),
    "360925": ("双溪镇", "仁首镇", "宝峰镇", "香田乡"),
    "360926": ("永宁镇", "温泉镇", "排埠镇", "三都镇"),
    "360981": ("剑光街道", "河洲街道", "孙渡街道", "尚庄街道", "小港镇", "秀市镇"),
    "360982": ("福城街道", "淦阳街道", "临江镇", "阁山镇", "永泰镇", "经楼镇"),
    "360983": ("瑞州街道", "筠阳街道", "蓝坊镇", "八景镇", "祥符镇", "石脑镇"),
    "360990": ("春风社区", "金园社区"),
    "360991": ("秀江社区", "宜阳社区"),
    "360992": ("温汤镇", "洪江镇"),
}

STREETS: tuple[str, ...] = (
    "宜阳大道", "中山中路", "袁山大道", "明月北路", "秀江东路", "春风路", "环城南路",
    "建设路", "人民路", "解放路", "新华路", "胜利路", "民主路", "工业大道", "站前路",
    "文化路", "滨江路", "锦绣大道", "学府路", "长安路", "光明路", "和平路", "迎宾大道",
    "东风路", "药都南大道", "经发大道", "宜商大道", "锂电大道",
)  # fmt: skip

#: Addresses outside Yichun: a row whose only place is one of these has an unknown county.
FOREIGN_ADDRESSES: tuple[str, ...] = (
    "江西省南昌市红谷滩区丰和中大道1号",
    "江西省萍乡市安源区建设东路12号",
    "湖南省长沙市岳麓区麓谷大道66号",
    "江西省新余市渝水区仙来中大道8号",
    "火星区环形山路1号",
)
#: County cells that name no county of Yichun.
FOREIGN_COUNTIES: tuple[str, ...] = ("火星区", "南昌县", "红谷滩区", "渝水区")


def addressable_counties() -> tuple[County, ...]:
    """Counties an address can name (the city level has no address of its own)."""
    return tuple(c for c in cv.county_table() if c.county_code in TOWNS)


@cache
def short_names(county: County) -> tuple[str, ...]:
    """Variants that are the full name without its suffix (袁州 for 袁州区)."""
    return tuple(v for v in county.variants if county.name_zh.startswith(v))


@cache
def other_variants(county: County) -> tuple[str, ...]:
    return tuple(v for v in county.variants if not county.name_zh.startswith(v))


def county_text(county: County, form: str, rng: random.Random, tags: Tags) -> str:
    """The county as a county cell spells it: full, short, variant or code."""
    if form == "short" and short_names(county):
        tags.add("county:short")
        return rng.choice(short_names(county))
    if form in ("short", "variant") and other_variants(county):
        tags.add("county:variant")
        return rng.choice(other_variants(county))
    if form == "code":
        tags.add("county:code")
        return county.county_code
    tags.add("county:full")
    return county.name_zh


def place_name(county: County, rng: random.Random) -> str:
    """How an address names the county: the full name or, for a zone, a variant."""
    extra = other_variants(county)
    if extra and rng.random() < 0.5:
        return rng.choice(extra)
    return county.name_zh


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice`` without its overhead: the big exports call it tens of millions of times."""
    return seq[int(rng.random() * len(seq))]


def address(county: County, rng: random.Random) -> str:
    """A street address in ``county`` that names it exactly once."""
    town = pick(rng, TOWNS[county.county_code])
    street = pick(rng, STREETS)
    place = place_name(county, rng)
    number = 1 + int(rng.random() * 999)
    roll = rng.random()
    if roll < 0.35:
        return f"江西省宜春市{place}{town}{street}{number}号"
    if roll < 0.6:
        return f"宜春市{place}{street}{number}号"
    if roll < 0.8:
        return f"江西省{place}{street}{number}号"
    return f"{place}{town}{rng.choice(('东', '西', '南', '北', '新'))}村{rng.randint(1, 30)}组"


def site(county: County, kind: str, rng: random.Random) -> str:
    """A sampling site or unit name that carries its county (袁州区湖田镇蔬菜基地)."""
    return f"{place_name(county, rng)}{rng.choice(TOWNS[county.county_code])}{kind}"


def weighted_counties(addressable_only: bool = False) -> tuple[list[County], list[float]]:
    """Counties with rough weights by population, the city level and zones smaller; with
    ``addressable_only``, only those an address can name (for a file whose county is read
    from an address)."""
    weights = {
        "360902": 9, "360981": 9, "360983": 7, "360982": 5, "360921": 3, "360922": 4,
        "360923": 3, "360924": 3, "360925": 1.5, "360926": 1.2, "360990": 1.5,
        "360991": 1, "360992": 0.8, "360999": 1,
    }  # fmt: skip
    table = [c for c in cv.county_table() if not addressable_only or c.county_code in TOWNS]
    return table, [weights.get(c.county_code, 1.0) for c in table]
