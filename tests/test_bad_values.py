"""Issue 11, finding 6: one bad value never loses the day.

An absurd or unparsable value drops that one item with a named reason (stats
`radar/dropped/<reason>`, the manifest's `dropped_items`); a count that cannot be stored marks
the day incomplete, and every record is still written (listings, `_manifest.json`, the
`crawl_manifests` row). Repros: a fixed Shopify catalogue served by the sandbox server on
127.0.0.1, crawled with the real pipelines, and the pipelines driven directly with items.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scrapy.exceptions import DropItem

from crawlers.pipelines import LakeWriterPipeline, ValidateListingPipeline
from radar.lake import Lake, LakeError, listings_to_table, manifest_to_table, publish_partition
from tests.test_lake import DAY, make_item, manifest
from tests.test_pipelines import crawler  # noqa: F401 (fixture: pipelines driven directly)
from tests.test_spiders_shopify import Site, crawl, make_config, product, servers  # noqa: F401 (fixture)

PIPELINES = json.dumps({"crawlers.pipelines.ValidateListingPipeline": 100, "crawlers.pipelines.LakeWriterPipeline": 900})
CRAWL_DAY = date(2026, 8, 15)


def crawl_to_lake(tmp_path: Path, site: Site, **config):
    lake_url = str(tmp_path / "lake")
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path, **config),
                   settings={"ITEM_PIPELINES": PIPELINES, "RADAR_LAKE_URL": lake_url})
    return result, Lake.from_url(lake_url)


def manifest_row(lake: Lake, marketplace: str, day: date) -> dict:
    path = Path(lake.manifest_table_path(marketplace, day)) / "manifest.parquet"
    assert path.exists(), "no crawl_manifests row"
    return pq.read_table(path).to_pylist()[0]


@pytest.fixture
def site(servers):
    def start(catalogue, count=None):
        # `count`: the collection claims another products_count
        return servers({"all-bags": catalogue}, counts=None if count is None else {"all-bags": count})

    return start


# ---------------------------------------------------------------- the repros, crawled


def test_absurd_prices_drop_their_listings_and_the_day_is_published(tmp_path, site):
    catalogue = [product(i) for i in range(40)]
    catalogue[3]["variants"][0]["price"] = "99999999999.99"  # beyond decimal(12,2)
    catalogue[7]["variants"][0]["price"] = "1e30"
    catalogue[9]["variants"][0]["price"] = "0.00"  # on sale at 0: kept, the SQL rejects the row
    result, lake = crawl_to_lake(tmp_path, site(catalogue), monitors={"max_dropped_ratio": 0.1})
    assert result.stats.get("radar/write_error") is None, result.stats.get("radar/write_error")
    assert result.stats["radar/dropped/price_out_of_range"] == 2
    listings = lake.read_listings("rebag", CRAWL_DAY)
    assert listings.num_rows == 38
    assert Decimal("0.00") in listings.column("price").to_pylist()
    written = lake.read_manifest("rebag", CRAWL_DAY)
    assert written["dropped_items"] == {"price_out_of_range": 2}
    assert written["complete"] is True, written["incomplete_reasons"]  # first crawl: no past sighting lost
    assert manifest_row(lake, "rebag", CRAWL_DAY)["complete"] is True


def test_a_count_beyond_int64_marks_the_day_incomplete_and_writes_every_record(tmp_path, site):
    result, lake = crawl_to_lake(tmp_path, site([product(i) for i in range(12)], count=10**19))
    assert result.stats.get("radar/write_error") is None, result.stats.get("radar/write_error")
    assert lake.read_listings("rebag", CRAWL_DAY).num_rows == 12
    written = lake.read_manifest("rebag", CRAWL_DAY)
    assert written["complete"] is False
    assert any("products_count" in reason for reason in written["incomplete_reasons"]), written["incomplete_reasons"]
    row = manifest_row(lake, "rebag", CRAWL_DAY)
    assert row["complete"] is False and "products_count" in row["incomplete_reasons"]


# ---------------------------------------------------------------- the pipelines, driven directly




def validator(crawler) -> ValidateListingPipeline:
    pipeline = ValidateListingPipeline.from_crawler(crawler)
    pipeline.open_spider(crawler.spider)
    return pipeline


FAR_EAST = timezone(timedelta(hours=14))


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"price": Decimal("99999999999.99")}, "price_out_of_range"),
        ({"price": "1e30"}, "price_out_of_range"),
        ({"price": Decimal("-1e10")}, "price_out_of_range"),
        ({"price": Decimal("NaN")}, "price_unparsable"),
        ({"price": float("inf")}, "price_unparsable"),
        ({"price": "twelve"}, "price_unparsable"),
        ({"price": True}, "price_unparsable"),
        ({"compare_at_price": Decimal("1e12")}, "compare_at_price_out_of_range"),
        ({"compare_at_price": Decimal("sNaN")}, "compare_at_price_unparsable"),
        ({"estimated_retail_price": "1e400"}, "estimated_retail_price_out_of_range"),
        ({"published_at": datetime(1, 1, 1, tzinfo=FAR_EAST)}, "published_at_out_of_range"),
        ({"published_at": "2026-08-15"}, "published_at_unparsable"),
        ({"available": "yes"}, "available_unparsable"),
        ({"title": "x" * 100_001}, "title_too_long"),
        ({"listing_id": "9" * 300}, "listing_id_too_long"),
        ({"listing_id": 12345}, "listing_id_unparsable"),
        ({"raw_attributes": ["not", "a", "dict"]}, "raw_attributes_unparsable"),
        ({"currency": "DOLLARS"}, "bad_currency"),
        ({"price": None}, "missing_price"),
    ],
)
def test_a_bad_value_drops_the_item_with_a_named_reason_counted_per_reason(crawler, change, reason):
    pipeline = validator(crawler)
    with pytest.raises(DropItem, match=f"^{reason}$"):
        pipeline.process_item(replace(make_item("1"), **change), crawler.spider)
    assert crawler.stats.get_value(f"radar/dropped/{reason}") == 1


@pytest.mark.parametrize("price", ["0", "-5", "9999999999.99", "1360.005"])
def test_a_price_the_schema_can_hold_is_kept_whatever_the_sql_says_of_it(crawler, price):
    pipeline = validator(crawler)
    item = replace(make_item("1"), price=Decimal(price))
    assert pipeline.process_item(item, crawler.spider) is item


def test_the_manifest_counts_drops_per_reason(crawler, tmp_path):
    pipeline, writer = validator(crawler), LakeWriterPipeline.from_crawler(crawler)
    bad = [{"price": Decimal("1e30")}, {"price": Decimal("1e11")}, {"price": Decimal("NaN")}, {"currency": "EURO"}]
    for index, change in enumerate(bad):
        with pytest.raises(DropItem):
            pipeline.process_item(replace(make_item(f"bad{index}"), **change), crawler.spider)
        crawler.stats.inc_value("item_dropped_reasons_count/DropItem")  # what Scrapy's core adds
    for listing_id in map(str, range(400)):
        writer.process_item(pipeline.process_item(make_item(listing_id), crawler.spider), crawler.spider)
    writer.spider_closed(crawler.spider, "finished")
    written = Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", DAY)
    assert written["dropped_items"] == {"price_out_of_range": 2, "price_unparsable": 1, "bad_currency": 1}
    assert written["complete"] is True, written["incomplete_reasons"]


def test_a_listing_on_sale_yesterday_dropped_today_makes_the_day_incomplete(crawler, tmp_path):
    """Its absence from a complete snapshot would read as a sale: never a fake sale."""
    lake = Lake.from_url(str(tmp_path / "lake"))
    yesterday = DAY - timedelta(days=1)
    publish_partition(lake, "rebag", yesterday, listings_to_table([make_item("1"), make_item("2")]), manifest(True, 2))
    pipeline, writer = validator(crawler), LakeWriterPipeline.from_crawler(crawler)
    with pytest.raises(DropItem, match="price_out_of_range"):
        pipeline.process_item(replace(make_item("2"), price=Decimal("1e30")), crawler.spider)
    with pytest.raises(DropItem, match="price_out_of_range"):  # never seen before: its absence is no sale
        pipeline.process_item(replace(make_item("3"), price=Decimal("1e30")), crawler.spider)
    writer.process_item(pipeline.process_item(make_item("1"), crawler.spider), crawler.spider)
    writer.spider_closed(crawler.spider, "finished")
    written = lake.read_manifest("rebag", DAY)
    assert written["complete"] is False
    listed = [r for r in written["incomplete_reasons"] if "dropped" in r]
    assert len(listed) == 1 and "2" in listed[0] and "price_out_of_range" in listed[0], written["incomplete_reasons"]


@pytest.mark.parametrize("field, value", [("expected_count", 10**19), ("expected_count_after", -3),
                                          ("shifts_detected", 2**63)])
def test_a_count_that_cannot_be_stored_marks_the_day_incomplete_and_every_record_is_written(crawler, tmp_path, field, value):
    writer = LakeWriterPipeline.from_crawler(crawler)
    writer.process_item(make_item("1"), crawler.spider)
    crawler.stats.set_value(f"radar/{field}", value)
    writer.spider_closed(crawler.spider, "finished")
    assert crawler.stats.get_value("radar/write_error") is None, crawler.stats.get_value("radar/write_error")
    lake = Lake.from_url(str(tmp_path / "lake"))
    written = lake.read_manifest("rebag", DAY)
    assert written["complete"] is False and written[field] is None
    assert any(field in reason and "out of range" in reason for reason in written["incomplete_reasons"])
    assert lake.read_listings("rebag", DAY).num_rows == 1
    row = manifest_row(lake, "rebag", DAY)
    assert row["complete"] is False and row[field] is None


# ---------------------------------------------------------------- the lake's own net


def test_the_lake_refuses_a_value_it_cannot_store_with_a_lake_error_naming_it():
    with pytest.raises(LakeError, match="price_out_of_range"):
        listings_to_table([make_item("1"), replace(make_item("2"), price=Decimal("1e30"))])
    with pytest.raises(LakeError, match="published_at_out_of_range"):
        listings_to_table([replace(make_item("2"), published_at=datetime(1, 1, 1, tzinfo=FAR_EAST))])
    with pytest.raises(LakeError, match="expected_count"):
        manifest_to_table({"expected_count": 10**19, "complete": True})


def test_text_that_is_not_valid_unicode_is_stored_with_a_replacement_character():
    """JSON may carry a lone surrogate ("\\ud800"): UTF-8 cannot hold it, so one title must
    not fail the whole batch."""
    item = replace(make_item("1"), title="Birkin \ud800 30", raw_attributes={"handle": "x\udfff", "n": "1"})
    table = listings_to_table([item])
    assert table.column("title").to_pylist() == ["Birkin \ufffd 30"]
    assert json.loads(table.column("raw_attributes")[0].as_py()) == {"handle": "x\ufffd", "n": "1"}
