"""Against a real Trino cluster: only when TRINO_URL is set (no Trino can run on these machines).

TRINO_URL=http://user@host:8080/iceberg  runs the trap queries on Trino itself, so the values
the DuckDB transpilation tests expect are checked against the engine they imitate.
With RADAR_LAKE_URL=s3://... as well (a lake Trino's Hive catalog can read), it also runs the
staging models end to end on Trino.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import pytest

from radar.settings import RadarSettings

pytestmark = [
    pytest.mark.trino,
    pytest.mark.skipif(not os.environ.get("TRINO_URL"), reason="needs a Trino cluster at TRINO_URL"),
]

FACTS = (
    "(select date '2024-01-10' as day, timestamp '2024-01-05 13:04:05' as seen_at, "
    "cast(10.00 as decimal(12,2)) as price, cast(3 as bigint) as units, 'Birkin 30 Togo' as title) as facts"
)

# The same queries and values as tests/test_trino_transpile.py expects from DuckDB.
TRAPS = [
    ("select 7 / 2, -7 / 2, units / 2 from {facts}", (3, -3, 1)),
    ("select price / units, cast(2.00 as decimal(12,2)) / 3 from {facts}", (Decimal("3.33"), Decimal("0.67"))),
    ("select date_diff('day', timestamp '2024-01-01 23:00:00', timestamp '2024-01-02 01:00:00'), "
     "date_diff('hour', timestamp '2024-01-01 23:59:00', timestamp '2024-01-02 00:01:00')", (0, 0)),
    ("select date_diff('month', date '2024-01-15', date '2024-02-14'), "
     "date_diff('month', date '2024-01-15', date '2024-02-15'), "
     "date_diff('month', date '2024-01-31', date '2024-02-29')", (0, 1, 1)),
    ("select regexp_extract(title, '(\\d+) cm', 1), regexp_extract(title, 'Birkin (\\d+)', 1), "
     "regexp_extract(title, 'Togo') from {facts}", (None, "30", "Togo")),
    ("select date_trunc('week', day), date_trunc('month', day) from {facts}", (date(2024, 1, 8), date(2024, 1, 1))),
    ("select date_add('day', 1, day), day + interval '7' day, day - interval '1' month from {facts}",
     (date(2024, 1, 11), date(2024, 1, 17), date(2023, 12, 10))),
    ("select format_datetime(seen_at, 'yyyy-MM-dd HH:mm:ss'), format_datetime(seen_at, 'EEE d MMM yy') from {facts}",
     ("2024-01-05 13:04:05", "Fri 5 Jan 24")),
    ("select map_agg(k, v) from (values ('a', 1), ('b', 2)) as t(k, v)", ({"a": 1, "b": 2},)),
]


@pytest.fixture(scope="module")
def trino_settings() -> RadarSettings:
    return RadarSettings(trino_url=os.environ["TRINO_URL"], lake_url=os.environ.get("RADAR_LAKE_URL", "data/lake"))


@pytest.fixture(scope="module")
def cursor(trino_settings):
    from transformations.engines import connect_trino

    connection = connect_trino(trino_settings)
    yield connection.cursor()
    connection.close()


@pytest.mark.parametrize(("sql", "expected"), TRAPS)
def test_trino_gives_the_values_the_duckdb_tests_expect(cursor, sql, expected):
    cursor.execute(sql.format(facts=FACTS))
    assert tuple(cursor.fetchall()[0]) == expected


@pytest.mark.skipif(not os.environ.get("RADAR_LAKE_URL", "").startswith("s3://"),
                    reason="the end-to-end run needs a lake on S3 that Trino can read")
def test_staging_models_run_on_trino(trino_settings):
    from transformations.runner import run_transformations

    result = run_transformations(trino_settings, dialect="trino",
                                 select=["staging.stg_crawl_manifests", "staging.stg_rebag__listings"])
    assert {m.name for m in result.models} == {"staging.stg_crawl_manifests", "staging.stg_rebag__listings"}
    assert result.documentation_problems == {}
