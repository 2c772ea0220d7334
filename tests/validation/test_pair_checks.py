"""A column is compared in one pair only: the suite judges each pair on one representative
row per distinct combination, and a column shared by two pairs would get the values of
one pair's representatives in the other's rows."""

from __future__ import annotations

from collections import Counter

import pytest

from ingestion.contracts import all_contracts


@pytest.mark.parametrize("contract", all_contracts(), ids=lambda c: c.name)
def test_no_column_is_in_two_pair_checks(contract) -> None:
    used = Counter(
        column
        for check in [*contract.pair_checks, *contract.equal_checks]
        for column in check.columns
    )
    assert [c for c, n in used.items() if n > 1] == []
