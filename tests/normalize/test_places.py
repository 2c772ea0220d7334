import pytest

from ingestion.contracts import counties
from ingestion.normalize.places import resolve_county


@pytest.mark.parametrize("county", counties(), ids=lambda c: c.county_code)
def test_full_name_short_names_and_code_resolve(county) -> None:
    assert resolve_county(county.name_zh) == county.county_code
    assert resolve_county(county.county_code) == county.county_code
    for variant in county.variants:
        assert resolve_county(variant) == county.county_code


@pytest.mark.parametrize(
    ("address", "code"),
    [
        ("江西省宜春市樟树市药都南大道88号", "360982"),
        ("宜春市袁州区宜阳大道1号", "360902"),
        ("宜春市宜阳新区袁州路", "360991"),
        ("宜春经济技术开发区春风路", "360990"),
        ("江西省高安市瑞州街道", "360983"),
        ("宜春市明月山温泉风景名胜区温汤镇", "360992"),
        ("上高县敖阳街道", "360923"),
        ("奉新工业园区", "360921"),
    ],
)
def test_county_found_inside_an_address(address: str, code: str) -> None:
    assert resolve_county(address) == code


@pytest.mark.parametrize(
    "text", ["宜春市中山路1号", "江西省南昌市红谷滩区", "火星区", "", "袁州区丰城市交界"]
)
def test_address_naming_no_county_or_two_is_not_guessed(text: str) -> None:
    assert resolve_county(text) is None


def test_whole_city_only_where_allowed() -> None:
    assert resolve_county("全市") is None
    assert resolve_county("全市", allow_city=True) == "360900"
    assert resolve_county("360900", allow_city=True) == "360900"
