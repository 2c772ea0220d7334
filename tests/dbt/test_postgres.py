"""The same project on PostgreSQL: same data, same marts, row for row.

Needs the local PostgreSQL (127.0.0.1:5432, trust auth). When it is unreachable the tests
skip, except with CI=true, where they fail.
"""

from __future__ import annotations

import pytest

from tests.dbt.conftest import Built, query
from tests.postgres import postgres_rows
from warehouse.postgres_copy import PostgresSettings

pytestmark = [pytest.mark.slow, pytest.mark.services]

COMPARED = (
    "mart_indicator_scorecard",
    "mart_indicator_progress",
    "mart_indicator_series",
    "mart_indicator_measurements",
    "mart_pass_rates",
    "mart_failure_reasons",
    "fct_market_samples",
    "fct_market_failed_items",
    "fct_agri_samples",
    "fct_construction_projects",
    "dim_indicator",
    "dim_county",
    "dim_goal_2035",
    "bridge_indicator_department",
)


def columns(built: Built, table: str) -> list[str]:
    return [
        r[0]
        for r in query(
            built.warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? order by ordinal_position",
            [table],
        )
    ]


@pytest.mark.parametrize("table", COMPARED)
def test_marts_are_equal_row_for_row(
    duckdb_built: Built, postgres_built: Built, postgres_settings: PostgresSettings, table: str
) -> None:
    # Lineage timestamps are compared too; only the column order is taken from DuckDB.
    names = columns(duckdb_built, table)
    select = ", ".join(f'"{n}"' for n in names)
    order = ", ".join(str(i) for i in range(1, len(names) + 1))
    sql = f"select {select} from marts.{table} order by {order}"
    duck = query(duckdb_built.warehouse, sql)
    pg = postgres_rows(postgres_settings, sql)
    assert duck, f"{table} is empty"
    assert pg == duck


def test_scorecard_has_the_same_rows_on_both(
    duckdb_built: Built, postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    sql = (
        "select indicator_code, county_code, period, actual_value, target_value, unit, gap, "
        "status, source, sample_size, as_of from marts.mart_indicator_scorecard "
        "order by indicator_code, county_code, period"
    )
    assert postgres_rows(postgres_settings, sql) == query(duckdb_built.warehouse, sql)


def test_models_land_in_the_named_schemas(
    postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    schemas = postgres_rows(
        postgres_settings,
        "select table_schema, count(*) from information_schema.tables "
        "where table_schema in ('staging', 'intermediate', 'marts', 'reference', 'raw', 'audit') "
        "group by 1 order by 1",
    )
    assert [s for s, _ in schemas] == [
        "audit",
        "intermediate",
        "marts",
        "raw",
        "reference",
        "staging",
    ]


def test_second_copy_appended_only_the_new_loads(
    postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    rows = postgres_rows(
        postgres_settings,
        'select "_load_id", count(*) from raw.market_sampling group by 1 order by 1',
    )
    assert rows == [(1, 10), (5, 3)]


def test_marts_carry_their_descriptions_as_comments(
    postgres_built: Built, postgres_settings: PostgresSettings
) -> None:
    rows = postgres_rows(
        postgres_settings,
        "select c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') <> '', "
        "count(*), count(nullif(col_description(c.oid, a.attnum), '')) "
        "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
        "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
        "where n.nspname = 'marts' and c.relkind = 'r' group by c.relname, c.oid",
    )
    assert rows
    for table, has_comment, columns, commented in rows:
        assert has_comment, table
        assert commented >= 0.9 * columns, (table, commented, columns)
