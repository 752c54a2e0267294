"""Against a real Trino: the project's local server (ops/trino/trino.py, started by `make test`,
which exports its URL as TRINO_URL), or any cluster at TRINO_URL.

The trap queries run on Trino itself, so the values the DuckDB transpilation tests expect are
checked against the engine they imitate. The staging models then run end to end on Trino over a
lake on S3: the local server's S3 stand-in, or the s3:// RADAR_LAKE_URL of another cluster.
Without TRINO_URL the local server is started (tests/trino_fixtures.py): where it cannot start,
these tests fail in CI (CI=true) and skip elsewhere.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from radar.settings import RadarSettings
from tests.trino_fixtures import trino_server  # noqa: F401

pytestmark = pytest.mark.trino

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
def trino_url(request) -> str:
    """TRINO_URL, or the local server's RADAR_TRINO_URL (started if needed)."""
    return os.environ.get("TRINO_URL") or request.getfixturevalue("trino_server").radar_trino_url


@pytest.fixture(scope="module")
def trino_settings(trino_url) -> RadarSettings:
    return RadarSettings(trino_url=trino_url, lake_url=os.environ.get("RADAR_LAKE_URL", "data/lake"))


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


LIVE_BUCKET = "radar-trino-live"
DAY = date(2026, 9, 5)


@pytest.fixture
def s3_lake_settings(request, trino_url, trino_settings, monkeypatch):
    """Settings whose lake Trino reads: the local server's S3 stand-in with one Rebag day in it,
    or another cluster's s3:// RADAR_LAKE_URL as it is."""
    if os.environ.get("TRINO_URL") and not os.environ.get("RADAR_LAKE_URL", "").startswith("s3://"):
        if request.getfixturevalue("trino_server").radar_trino_url != trino_url:
            pytest.skip("TRINO_URL names another cluster: the end-to-end run needs RADAR_LAKE_URL=s3://... it can read")
    if os.environ.get("RADAR_LAKE_URL", "").startswith("s3://") and os.environ.get("TRINO_URL"):
        yield trino_settings
        return
    from radar.items import ListingItem
    from radar.lake import Lake, listings_to_table, publish_partition

    server = request.getfixturevalue("trino_server")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    s3 = server.s3_client()
    s3.create_bucket(Bucket=LIVE_BUCKET)
    settings = RadarSettings(trino_url=trino_url, lake_url=f"s3://{LIVE_BUCKET}/lake", s3_endpoint_url=server.s3_endpoint)
    lake = Lake.from_url(settings.lake_url, settings)
    items = [
        ListingItem(marketplace="rebag", listing_id=str(n), snapshot_date=DAY,
                    url=f"https://shop.rebag.com/products/bag-{n}", title="Hermes Birkin 30 Togo", brand_raw="Hermes",
                    model_raw="birkin", size_raw="30", color_raw="gold", material_raw="togo", condition_raw="Excellent",
                    price=Decimal(price), currency="USD", compare_at_price=None, available=True,
                    published_at=datetime(2026, 8, 15, 7, 55, 12, tzinfo=UTC), estimated_retail_price=None,
                    raw_attributes={"handle": f"bag-{n}"})
        for n, price in ((1, "9115.10"), (2, "1360.00"))
    ]
    manifest = {"item_count": 2, "expected_count": 2, "complete": True, "incomplete_reasons": [],
                "finish_reason": "finished", "started_at": "2026-09-05T01:00:00+00:00",
                "finished_at": "2026-09-05T01:05:00+00:00"}
    assert publish_partition(lake, "rebag", DAY, listings_to_table(items), manifest).published
    # whatever lake the raw tables read before, the run re-creates them over this one
    yield settings
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=LIVE_BUCKET):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=LIVE_BUCKET, Key=obj["Key"])


def test_staging_models_run_on_trino(s3_lake_settings, cursor):
    from transformations.runner import run_transformations

    result = run_transformations(s3_lake_settings, dialect="trino",
                                 select=["staging.stg_crawl_manifests", "staging.stg_rebag__listings"])
    assert {m.name for m in result.models} == {"staging.stg_crawl_manifests", "staging.stg_rebag__listings"}
    assert result.documentation_problems == {}
    if not s3_lake_settings.lake_url.startswith(f"s3://{LIVE_BUCKET}/"):
        return  # another cluster's lake: its contents are unknown here
    cursor.execute("select listing_id, price from iceberg.staging.stg_rebag__listings "
                   "where snapshot_date = date '2026-09-05' order by listing_id")
    assert [tuple(r) for r in cursor.fetchall()] == [("1", Decimal("9115.10")), ("2", Decimal("1360.00"))]
    cursor.execute("select is_complete, item_count from iceberg.staging.stg_crawl_manifests "
                   "where marketplace = 'rebag' and snapshot_date = date '2026-09-05'")
    assert cursor.fetchall() == [[True, 2]]
