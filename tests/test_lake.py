import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from radar.items import ListingItem
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
        published_at=datetime(2026, 8, 15, 7, 55, 12, tzinfo=UTC),
        estimated_retail_price=None,
        raw_attributes={"item_number": "449043/1"},
    )


def manifest(complete: bool, count: int) -> dict:
    return {"item_count": count, "expected_count": count, "complete": complete,
            "incomplete_reasons": [] if complete else ["page 2 missing"], "finish_reason": "finished",
            "started_at": "2026-09-03T01:00:00+00:00", "finished_at": "2026-09-03T01:05:00+00:00"}


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


def _beside(lake: Lake, other: Lake, day: date) -> None:
    """Copy `other`'s published data file of `day` into `lake`'s partition: another crawl's file
    beside the published one, as a publish under way (or one that failed) leaves it."""
    crawl_id = other.read_manifest("rebag", day)["crawl_id"]
    name = f"part-{crawl_id}.parquet"
    shutil.copy(Path(other.partition_path("rebag", day)) / name, Path(lake.partition_path("rebag", day)) / name)


def test_python_readers_read_only_the_crawl_the_manifest_names(tmp_path):
    """Lake.read_listings, listing_ids_seen and listings_to_confirm (the crawlers' confirmation
    step) never read another crawl's file in a partition, nor a crawl with no manifest yet."""
    lake, other = Lake.from_url(str(tmp_path / "lake")), Lake.from_url(str(tmp_path / "other"))
    before, after = date(2026, 9, 2), date(2026, 9, 4)
    publish_partition(lake, "rebag", before, listings_to_table([make_item("1"), make_item("2")]), manifest(True, 2))
    publish_partition(other, "rebag", before, listings_to_table([make_item("9")]), manifest(True, 1))
    _beside(lake, other, before)
    publish_partition(other, "rebag", DAY, listings_to_table([make_item("8")]), manifest(True, 1))
    Path(lake.partition_path("rebag", DAY)).mkdir(parents=True)
    _beside(lake, other, DAY)  # the first publish of a day, its manifests not written yet

    assert sorted(lake.read_listings("rebag", before).column("listing_id").to_pylist()) == ["1", "2"]
    assert lake.read_listings("rebag", DAY).num_rows == 0
    assert lake.listing_ids_seen("rebag", after) == {"1", "2"}
    last = lake.listings_to_confirm("rebag", after)
    assert last.snapshot_date == before and set(last.handles) == {"1", "2"}


def test_a_partition_written_before_crawl_ids_reads_as_before(tmp_path):
    lake, other = Lake.from_url(str(tmp_path / "lake")), Lake.from_url(str(tmp_path / "other"))
    publish_partition(lake, "rebag", DAY, listings_to_table([make_item("1"), make_item("2")]), manifest(True, 2))
    partition = Path(lake.partition_path("rebag", DAY))
    crawl_id = lake.read_manifest("rebag", DAY)["crawl_id"]
    published = partition / f"part-{crawl_id}.parquet"
    pq.write_table(pq.read_table(published).drop_columns(["crawl_id"]), partition / "part-0.parquet")
    published.unlink()
    old_manifest = {k: v for k, v in lake.read_manifest("rebag", DAY).items() if k != "crawl_id"}
    (partition / "_manifest.json").write_text(json.dumps(old_manifest))
    publish_partition(other, "rebag", DAY, listings_to_table([make_item("9")]), manifest(True, 1))
    _beside(lake, other, DAY)  # a new crawl's data going in over the old partition

    assert sorted(lake.read_listings("rebag", DAY).column("listing_id").to_pylist()) == ["1", "2"]
    publish_partition(lake, "rebag", DAY, listings_to_table([make_item("3")]), manifest(True, 1))
    assert lake.read_listings("rebag", DAY).column("listing_id").to_pylist() == ["3"]
    assert sorted(p.name for p in partition.iterdir()) == [
        "_manifest.json", f"part-{lake.read_manifest('rebag', DAY)['crawl_id']}.parquet"]  # the old files are gone
