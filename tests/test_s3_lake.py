"""The lake on S3: radar.lake against a real S3 HTTP endpoint (moto's server on 127.0.0.1), and a
prefect-aws S3Bucket block pointed at the same endpoint reading what the lake wrote.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import boto3
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

from radar.items import ListingItem
from radar.lake import Lake, listings_to_table, publish_partition
from radar.settings import RadarSettings, get_settings

BUCKET = "radar-lake-test"
DAY = date(2026, 9, 3)


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_lake(s3_endpoint, monkeypatch):
    """An empty bucket and RADAR_* / AWS_* pointing at it, as a deployment would set them."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "RADAR_LAKE_URL": f"s3://{BUCKET}/lake",
        "RADAR_S3_ENDPOINT_URL": s3_endpoint,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    get_settings.cache_clear()  # the settings object is cached per process
    settings = get_settings()
    yield Lake.from_url(settings.lake_url, settings), s3
    get_settings.cache_clear()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def item(listing_id: str, price: str = "1360.00") -> ListingItem:
    return ListingItem(
        marketplace="rebag", listing_id=listing_id, snapshot_date=DAY,
        url=f"https://shop.rebag.com/products/bag-{listing_id}", title="Birkin 30 Togo", brand_raw="Hermes",
        model_raw="birkin", size_raw="30", color_raw="gold", material_raw="togo", condition_raw="Excellent",
        price=Decimal(price), currency="USD", compare_at_price=None, available=True,
        published_at=datetime(2026, 8, 15, 7, 55, 12, tzinfo=UTC), estimated_retail_price=None,
        raw_attributes={"item_number": f"{listing_id}/1"},
    )


def manifest(complete: bool, count: int) -> dict:
    return {
        "item_count": count, "expected_count": count, "complete": complete,
        "incomplete_reasons": [] if complete else ["page 2 missing"], "finish_reason": "finished",
        "started_at": "2026-09-03T01:00:00+00:00", "finished_at": "2026-09-03T01:05:00+00:00",
    }


def keys(s3, prefix: str = "") -> list[str]:
    """Object keys, without the empty "dir/" marker objects pyarrow's create_dir leaves on S3."""
    objects = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in objects if not o["Key"].endswith("/"))


def test_lake_url_from_the_environment_is_an_s3_lake(s3_lake):
    lake, _ = s3_lake
    assert isinstance(lake.filesystem, pafs.S3FileSystem)
    assert lake.root == f"{BUCKET}/lake"


def test_publish_and_read_back_a_day_on_s3(s3_lake):
    lake, s3 = s3_lake
    result = publish_partition(lake, "rebag", DAY, listings_to_table([item("1", "9115.10"), item("2")]), manifest(True, 2))
    assert result.published

    listings = lake.read_listings("rebag", DAY).to_pylist()
    assert [(r["listing_id"], r["price"]) for r in listings] == [("1", Decimal("9115.10")), ("2", Decimal("1360.00"))]
    assert json.loads(listings[0]["raw_attributes"]) == {"item_number": "1/1"}
    assert lake.read_manifest("rebag", DAY)["item_count"] == 2
    assert lake.snapshot_dates("rebag") == [DAY]
    assert keys(s3) == [
        "lake/raw/crawl_manifests/marketplace=rebag/snapshot_date=2026-09-03/manifest.parquet",
        "lake/raw/listings/marketplace=rebag/snapshot_date=2026-09-03/_manifest.json",
        f"lake/raw/listings/marketplace=rebag/snapshot_date=2026-09-03/part-{result.crawl_id}.parquet",
    ]  # no data left behind under _tmp/ (the data file is named by its crawl: radar/lake.py publish_staged)
    manifest_row = pq.read_table(
        f"{BUCKET}/lake/raw/crawl_manifests/marketplace=rebag/snapshot_date=2026-09-03/manifest.parquet",
        filesystem=lake.filesystem,
    ).to_pylist()
    assert manifest_row[0]["complete"] is True and manifest_row[0]["item_count"] == 2


def test_rerunning_a_day_on_s3_replaces_it(s3_lake):
    lake, s3 = s3_lake
    publish_partition(lake, "rebag", DAY, listings_to_table([item("1"), item("2")]), manifest(True, 2))
    publish_partition(lake, "rebag", DAY, listings_to_table([item("3")]), manifest(True, 1))
    assert [r["listing_id"] for r in lake.read_listings("rebag", DAY).to_pylist()] == ["3"]
    assert lake.read_manifest("rebag", DAY)["item_count"] == 1
    crawl_id = lake.read_manifest("rebag", DAY)["crawl_id"]
    assert keys(s3, "lake/raw/listings/") == [  # the earlier crawl's file is gone once the new one is published
        "lake/raw/listings/marketplace=rebag/snapshot_date=2026-09-03/_manifest.json",
        f"lake/raw/listings/marketplace=rebag/snapshot_date=2026-09-03/part-{crawl_id}.parquet",
    ]


def test_an_incomplete_crawl_never_replaces_a_complete_day_on_s3(s3_lake):
    lake, s3 = s3_lake
    publish_partition(lake, "rebag", DAY, listings_to_table([item("1"), item("2")]), manifest(True, 2))
    result = publish_partition(lake, "rebag", DAY, listings_to_table([item("3")]), manifest(False, 1))
    assert not result.published
    assert [r["listing_id"] for r in lake.read_listings("rebag", DAY).to_pylist()] == ["1", "2"]
    assert lake.read_manifest("rebag", DAY)["complete"] is True
    rejected = keys(s3, "lake/raw/_rejected/rebag/2026-09-03/")
    assert len(rejected) == 2 and {k.rsplit("/", 1)[1] for k in rejected} == {"_manifest.json", "part-0.parquet"}


def test_an_incomplete_crawl_does_land_when_there_is_no_complete_day(s3_lake):
    lake, _ = s3_lake
    assert publish_partition(lake, "rebag", DAY, listings_to_table([item("3")]), manifest(False, 1)).published
    assert lake.read_manifest("rebag", DAY)["complete"] is False


def test_s3_bucket_block_at_the_same_endpoint_reads_what_the_lake_wrote(s3_lake, s3_endpoint):
    from prefect_aws import AwsClientParameters, AwsCredentials, S3Bucket

    lake, _ = s3_lake
    result = publish_partition(lake, "rebag", DAY, listings_to_table([item("1")]), manifest(True, 1))
    settings = RadarSettings()
    block = S3Bucket(
        bucket_name=BUCKET,
        bucket_folder="lake",
        credentials=AwsCredentials(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=settings.s3_region,
            aws_client_parameters=AwsClientParameters(endpoint_url=settings.s3_endpoint_url),
        ),
    )
    listed = sorted(o["Key"] for o in block.list_objects("raw/listings", _sync=True) if not o["Key"].endswith("/"))
    assert listed == [
        "lake/raw/listings/marketplace=rebag/snapshot_date=2026-09-03/_manifest.json",
        f"lake/raw/listings/marketplace=rebag/snapshot_date=2026-09-03/part-{result.crawl_id}.parquet",
    ]
    manifest_bytes = block.read_path("raw/listings/marketplace=rebag/snapshot_date=2026-09-03/_manifest.json", _sync=True)
    assert json.loads(manifest_bytes) == lake.read_manifest("rebag", DAY)
