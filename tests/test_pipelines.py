from dataclasses import replace
from decimal import Decimal

import pytest
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlers.pipelines import LakeWriterPipeline, ValidateListingPipeline
from radar.lake import Lake
from tests.test_lake import DAY, make_item


class RebagLikeSpider(Spider):
    name = "rebag"
    snapshot_date = DAY


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(RebagLikeSpider, {"RADAR_LAKE_URL": str(tmp_path / "lake")})
    crawler.spider = RebagLikeSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler


@pytest.mark.parametrize(
    "change, reason",
    [({"price": Decimal("NaN")}, "price_unparsable"), ({"price": None}, "missing_price"),
     ({"url": ""}, "missing_url"), ({"currency": "DOLLARS"}, "bad_currency")],
)
def test_validation_drops_bad_items_with_a_reason(change, reason):
    pipeline = ValidateListingPipeline()
    pipeline.open_spider(None)
    with pytest.raises(DropItem, match=reason):
        pipeline.process_item(replace(make_item(), **change), None)


@pytest.mark.parametrize("price", [Decimal("0"), Decimal("-5")])
def test_validation_keeps_a_listing_shown_at_price_zero(price):
    """It is on sale: dropped, it would look absent; the SQL sets the row aside as a sighting."""
    pipeline = ValidateListingPipeline()
    pipeline.open_spider(None)
    item = replace(make_item(), price=price)
    assert pipeline.process_item(item, None) is item


def test_validation_drops_the_second_copy_of_a_listing():
    pipeline = ValidateListingPipeline()
    pipeline.open_spider(None)
    pipeline.process_item(make_item("1"), None)
    with pytest.raises(DropItem, match="duplicate_listing"):
        pipeline.process_item(make_item("1"), None)


def test_writer_publishes_the_day_with_a_manifest(crawler, tmp_path):
    writer = LakeWriterPipeline.from_crawler(crawler)
    for listing_id in ("1", "2", "3"):
        writer.process_item(make_item(listing_id), crawler.spider)
    crawler.stats.set_value("radar/expected_count", 3)
    crawler.stats.set_value("item_dropped_reasons_count/missing_price", 0)
    writer.spider_closed(crawler.spider, "finished")
    lake = Lake.from_url(str(tmp_path / "lake"))
    manifest = lake.read_manifest("rebag", DAY)
    assert manifest["complete"] is True, manifest["incomplete_reasons"]
    assert manifest["item_count"] == 3 and manifest["expected_count"] == 3
    assert lake.read_listings("rebag", DAY).num_rows == 3
    assert crawler.stats.get_value("radar/published") is True


def test_writer_marks_the_day_incomplete_when_the_spider_said_so(crawler, tmp_path):
    writer = LakeWriterPipeline.from_crawler(crawler)
    writer.process_item(make_item("1"), crawler.spider)
    crawler.stats.set_value("radar/incomplete_reasons", ["shard chanel: page 2 answered 500 after retries"])
    writer.spider_closed(crawler.spider, "finished")
    manifest = Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", DAY)
    assert manifest["complete"] is False
    assert manifest["incomplete_reasons"][0].startswith("shard chanel")


def test_writer_fails_monitors_on_an_empty_or_cut_short_crawl(crawler, tmp_path):
    writer = LakeWriterPipeline.from_crawler(crawler)
    writer.spider_closed(crawler.spider, "shutdown")
    manifest = Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", DAY)
    failed = {m["name"] for m in manifest["monitors"] if not m["passed"]}
    assert {"item_count", "finish_reason"} <= failed
    assert manifest["complete"] is False


def test_a_failed_write_is_reported_in_the_stats_not_swallowed(crawler, monkeypatch):
    writer = LakeWriterPipeline.from_crawler(crawler)
    writer.process_item(make_item("1"), crawler.spider)

    def refuse(*args, **kwargs):
        raise OSError("bucket not writable")

    monkeypatch.setattr("radar.lake.pq.ParquetWriter", refuse)
    writer.spider_closed(crawler.spider, "finished")
    assert "bucket not writable" in crawler.stats.get_value("radar/write_error")


def test_writer_streams_batches_and_publishes_them_all(tmp_path):
    crawler = get_crawler(RebagLikeSpider, {"RADAR_LAKE_URL": str(tmp_path / "lake"), "RADAR_LAKE_BATCH_SIZE": 2})
    crawler.spider = RebagLikeSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    writer = LakeWriterPipeline.from_crawler(crawler)
    for listing_id in map(str, range(5)):
        writer.process_item(make_item(listing_id), crawler.spider)
    assert len(writer.batch) == 1 and writer.staged.row_count == 4  # written aside as it goes
    assert not (tmp_path / "lake/raw/listings").exists()  # nothing published before the end
    writer.spider_closed(crawler.spider, "finished")
    lake = Lake.from_url(str(tmp_path / "lake"))
    assert sorted(lake.read_listings("rebag", DAY).column("listing_id").to_pylist()) == ["0", "1", "2", "3", "4"]
    assert lake.read_manifest("rebag", DAY)["field_coverage"]["model_raw"] == 1.0
