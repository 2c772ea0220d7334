"""Addresses must name exactly one county, or none where the manifest says unknown_county."""

from __future__ import annotations

import random

from ingestion.contracts import counties
from sample_data import places


def _named(text: str) -> set[str]:
    return {c.county_code for c in counties() for name in (c.name_zh, *c.variants) if name in text}


def test_streets_and_towns_name_no_county() -> None:
    assert all(not _named(street) for street in places.STREETS)
    for code, towns in places.TOWNS.items():
        assert all(_named(t) <= {code} for t in towns), code


def test_foreign_places_name_no_county() -> None:
    assert all(not _named(a) for a in places.FOREIGN_ADDRESSES)
    assert all(not _named(c) for c in places.FOREIGN_COUNTIES)


def test_every_address_names_its_own_county() -> None:
    rng = random.Random(1)
    for county in places.addressable_counties():
        for _ in range(200):
            assert _named(places.address(county, rng)) == {county.county_code}
            assert _named(places.site(county, "农贸市场", rng)) == {county.county_code}
