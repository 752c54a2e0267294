"""Trino semantics preserved on DuckDB: each trap sqlglot leaves (transformations/transpile.py), as a Trino query
run through the DuckDB engine and the value Trino returns."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from transformations.engines import DuckDBEngine
from transformations.models import parse_select
from transformations.transpile import TranspileError, joda_to_strftime


@pytest.fixture()
def engine():
    engine = DuckDBEngine(":memory:")
    engine.execute("create schema raw")
    engine.execute(
        "create table raw.facts as select date '2024-01-10' as day, "
        "timestamp '2024-01-05 13:04:05' as seen_at, cast(10.00 as decimal(12,2)) as price, "
        "cast(3 as bigint) as units, 'Birkin 30 Togo' as title"
    )
    yield engine
    engine.close()


def run_trino(engine: DuckDBEngine, trino_sql: str):
    """First row of a Trino query run on DuckDB, with the DuckDB type names."""
    _columns, rows = engine.fetch(engine.compile(parse_select(trino_sql, path="<test>")))
    return rows[0]


def result_types(engine: DuckDBEngine, trino_sql: str) -> list[str]:
    relation = engine.con.execute(engine.compile(parse_select(trino_sql, path="<test>")))
    return [str(d[1]) for d in relation.description]


# ---------------------------------------------------------------- division


def test_integer_division_truncates_like_trino(engine):
    assert run_trino(engine, "select 7 / 2 as a, -7 / 2 as b, units / 2 as c from raw.facts") == (3, -3, 1)


def test_integer_division_of_aggregates(engine):
    assert run_trino(engine, "select count(*) / 2 as halves from (values 1, 2, 3) as t(x)") == (1,)


def test_division_with_a_double_stays_fractional(engine):
    assert run_trino(engine, "select 7.0E0 / 2 as a, cast(units as double) / 2 as b from raw.facts") == (3.5, 1.5)


def test_decimal_division_keeps_the_larger_scale(engine):
    # Trino: decimal(12,2) / bigint -> decimal with scale 2, rounded half up
    row = run_trino(engine, "select price / units as per_unit, cast(2.00 as decimal(12,2)) / 3 as r from raw.facts")
    assert row == (Decimal("3.33"), Decimal("0.67"))


# ---------------------------------------------------------------- date_diff


def test_date_diff_days_counts_complete_days_on_timestamps(engine):
    row = run_trino(
        engine,
        "select date_diff('day', timestamp '2024-01-01 23:00:00', timestamp '2024-01-02 01:00:00') as a, "
        "date_diff('hour', timestamp '2024-01-01 23:59:00', timestamp '2024-01-02 00:01:00') as b",
    )
    assert row == (0, 0)  # DuckDB's own date_diff says (1, 1): it counts boundaries


def test_date_diff_months_counts_complete_months(engine):
    row = run_trino(
        engine,
        "select date_diff('month', date '2024-01-15', date '2024-02-14') as a, "
        "date_diff('month', date '2024-01-15', date '2024-02-15') as b, "
        "date_diff('month', date '2024-01-31', date '2024-02-29') as c",
    )
    assert row == (0, 1, 1)  # Joda: Jan 31 + 1 month = Feb 29


def test_date_diff_days_on_dates(engine):
    assert run_trino(engine, "select date_diff('day', date '2024-01-01', day) as a from raw.facts") == (9,)


# ----------------------------------------------------------- regexp_extract


def test_regexp_extract_without_match_is_null(engine):
    row = run_trino(
        engine,
        "select regexp_extract(title, '(\\d+) cm', 1) as no_match, regexp_extract(title, 'Birkin (\\d+)', 1) as size, "
        "regexp_extract(title, 'Togo') as whole from raw.facts",
    )
    assert row == (None, "30", "Togo")  # DuckDB alone returns '' for no match


# --------------------------------------------------------- DATE stays DATE


def test_date_trunc_on_a_date_column_returns_a_date(engine):
    trino = "select date_trunc('week', day) as week, date_trunc('month', day) as month from raw.facts"
    assert run_trino(engine, trino) == (date(2024, 1, 8), date(2024, 1, 1))
    assert result_types(engine, trino) == ["DATE", "DATE"]


def test_date_add_and_interval_on_a_date_return_dates(engine):
    trino = (
        "select date_add('day', 1, day) as a, day + interval '7' day as b, "
        "day - interval '1' month as c, date_add('day', -2, date '2024-03-01') as d from raw.facts"
    )
    assert run_trino(engine, trino) == (date(2024, 1, 11), date(2024, 1, 17), date(2023, 12, 10), date(2024, 2, 28))
    assert result_types(engine, trino) == ["DATE"] * 4


def test_date_functions_on_a_date_inside_a_cte_return_dates(engine):
    trino = "with weeks as (select date_trunc('week', day) as week from raw.facts) select week from weeks"
    assert result_types(engine, trino) == ["DATE"]


def test_date_trunc_on_a_timestamp_stays_a_timestamp(engine):
    trino = "select date_trunc('day', seen_at) as a from raw.facts"
    assert run_trino(engine, trino) == (datetime(2024, 1, 5),)
    assert result_types(engine, trino) == ["TIMESTAMP"]


# ----------------------------------------------------------- format_datetime


def test_format_datetime_joda_pattern(engine):
    row = run_trino(
        engine,
        "select format_datetime(seen_at, 'yyyy-MM-dd HH:mm:ss') as a, format_datetime(seen_at, 'EEE d MMM yy') as b "
        "from raw.facts",
    )
    assert row == ("2024-01-05 13:04:05", "Fri 5 Jan 24")


def test_joda_literals_and_unknown_tokens():
    assert joda_to_strftime("yyyy-MM-dd'T'HH") == "%Y-%m-%dT%H"
    assert joda_to_strftime("d '%' MM") == "%-d %% %m"
    with pytest.raises(TranspileError, match="'ww'"):
        joda_to_strftime("yyyy-ww")


# --------------------------------------------------------------- aggregates


def test_map_agg(engine):
    row = run_trino(engine, "select map_agg(k, v) as m from (values ('a', 1), ('b', 2), (null, 3)) as t(k, v)")
    assert row == ({"a": 1, "b": 2},)


def test_approx_percentile_is_deterministic_and_an_observed_value(engine):
    trino = "select approx_percentile(x, 0.5) as median from (values 1, 2, 3, 4, 5, 100) as t(x)"
    assert run_trino(engine, trino) == (3,)
    assert run_trino(engine, trino) == (3,)


# ------------------------------------------------------------------ session


def test_session_is_utc(engine):
    row = run_trino(engine, "select cast(from_iso8601_timestamp('2024-01-01T23:30:00Z') as date) as d")
    assert row == (date(2024, 1, 1),)
    assert engine.con.execute("select current_setting('TimeZone')").fetchall() == [("UTC",)]


def test_other_common_functions_transpile(engine):
    row = run_trino(
        engine,
        "select json_extract_scalar('{\"a\": \"x\"}', '$.a') as j, try_cast('12' as integer) as i, "
        "day_of_week(date '2024-01-07') as dow, lower(title) as t from raw.facts",
    )
    assert row == ("x", 12, 7, "birkin 30 togo")
