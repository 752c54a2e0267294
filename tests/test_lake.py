from datetime import date, datetime, timezone
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from crawlers.items import ListingItem
from radar.lake import Lake, LakeError, listings_to_table, publish_partition

DAY = date(2026, 9, 3)


def make_item(listing_id: str = "9109683437745", price: str = "1360.00") -> ListingItem:
    return ListingItem(
        marketplace="rebag",
        listing_id=listing_id,
        snapshot_date=DAY,
        url=f"https://shop.rebag.com/products/x-{listing_id}",
        title="Double Phone Pouch Reverse Monogram Eclipse Canvas",
        brand_raw="Louis Vuitton",
        model_raw="double-phone-pouch",
        size_raw=None,
        color_raw="gray",
        material_raw="canvas-coated",
        condition_raw="Great",
        price=Decimal(price),
        currency="USD",
        compare_at_price=None,
        available=True,
        published_at=datetime(2026, 8, 15, 7, 55, 12, tzinfo=timezone.utc),
        estimated_retail_price=None,
        raw_attributes={"item_number": "449043/1"},
    )


def manifest(complete: bool, count: int) -> dict:
    return {"item_count": count, "expected_count": count, "complete": complete, "incomplete_reasons": [] if complete else ["page 2 missing"],
            "finish_reason": "finished", "started_at": "2026-09-03T01:00:00+00:00", "finished_at": "2026-09-03T01:05:00+00:00"}


def test_table_keeps_prices_exact_and_attributes_as_json():
    table = listings_to_table([make_item(price="9115.10")])
    row = table.to_pylist()[0]
    assert row["price"] == Decimal("9115.10")
    assert row["raw_attributes"] == '{"item_number": "449043/1"}'
    assert "marketplace" not in table.column_names  # partition columns come from the path


def test_table_rejects_a_value_that_does_not_fit():
    item = make_item()
    item.price = Decimal("1e20")
    with pytest.raises(LakeError, match="raw schema"):
        listings_to_table([item])


def test_rerunning_a_day_replaces_it(tmp_path):
    lake = Lake.from_url(str(tmp_path / "lake"))
    publish_partition(lake, "rebag", DAY, listings_to_table([make_item("1"), make_item("2")]), manifest(True, 2))
    publish_partition(lake, "rebag", DAY, listings_to_table([make_item("3")]), manifest(True, 1))
    table = lake.read_listings("rebag", DAY)
    assert table.column("listing_id").to_pylist() == ["3"]
    assert lake.read_manifest("rebag", DAY)["item_count"] == 1
    assert not (tmp_path / "lake" / "_tmp").exists() or not any((tmp_path / "lake" / "_tmp").iterdir())
    manifests = pq.read_table(tmp_path / "lake/raw/crawl_manifests/marketplace=rebag/snapshot_date=2026-09-03/manifest.parquet")
    assert manifests.column("item_count").to_pylist() == [1]


def test_incomplete_crawl_never_replaces_a_complete_day(tmp_path):
    lake = Lake.from_url(str(tmp_path / "lake"))
    publish_partition(lake, "rebag", DAY, listings_to_table([make_item("1"), make_item("2")]), manifest(True, 2))
    result = publish_partition(lake, "rebag", DAY, listings_to_table([]), manifest(False, 0))
    assert not result.published
    assert "_rejected" in result.path
    assert lake.read_listings("rebag", DAY).num_rows == 2
    assert lake.read_manifest("rebag", DAY)["complete"] is True


def test_incomplete_crawl_is_published_when_nothing_better_exists(tmp_path):
    lake = Lake.from_url(str(tmp_path / "lake"))
    result = publish_partition(lake, "rebag", DAY, listings_to_table([make_item("1")]), manifest(False, 1))
    assert result.published
    assert lake.read_manifest("rebag", DAY)["complete"] is False


def test_failed_write_leaves_the_published_day_untouched(tmp_path, monkeypatch):
    lake = Lake.from_url(str(tmp_path / "lake"))
    publish_partition(lake, "rebag", DAY, listings_to_table([make_item("1")]), manifest(True, 1))

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("radar.lake.pq.ParquetWriter", disk_full)
    with pytest.raises(LakeError, match="No space left"):
        publish_partition(lake, "rebag", DAY, listings_to_table([make_item("2")]), manifest(True, 1))
    monkeypatch.undo()
    assert lake.read_listings("rebag", DAY).column("listing_id").to_pylist() == ["1"]
    assert lake.read_manifest("rebag", DAY)["complete"] is True


def test_snapshot_dates_and_previous_manifests(tmp_path):
    lake = Lake.from_url(str(tmp_path / "lake"))
    for day, count in [(date(2026, 9, 1), 5), (date(2026, 9, 2), 6), (DAY, 7)]:
        publish_partition(lake, "rebag", day, listings_to_table([make_item(str(i)) for i in range(count)]), manifest(True, count))
    assert lake.snapshot_dates("rebag") == [date(2026, 9, 1), date(2026, 9, 2), DAY]
    assert [m["item_count"] for m in lake.previous_manifests("rebag", DAY)] == [6, 5]
