"""Issue 11, finding 7: property tests (hypothesis) over the lake writer.

Random batches of items, bad values among them (prices beyond decimal(12,2), NaN, text that is
not valid Unicode, timestamps UTC cannot hold, duplicates), go through the validating pipeline
and the lake writer (crawlers/pipelines.py -> StagedPartition/publish_staged) over a day that
already holds an earlier crawl. Properties: the crawl never raises; bad items are dropped with a
named reason and counted per reason; the day is never half published: the earlier crawl's
partition is intact (data, _manifest.json, crawl_manifests row), or the new crawl's is whole
(exactly its kept items, its manifest and its row, one crawl id). The second property is also
checked with the filesystem failing at any one write, move or delete of the publication.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlers.pipelines import LakeWriterPipeline, ValidateListingPipeline
from radar.lake import DATA_FILE, Lake, listings_to_table, publish_partition
from tests.test_lake import DAY, make_item

NAMED = ("missing_", "_unparsable", "_out_of_range", "_too_long", "bad_currency", "duplicate_listing")


class DaySpider(Spider):
    name = "rebag"
    snapshot_date = DAY


# ---------------------------------------------------------------- items with bad values

prices = st.one_of(
    st.decimals(min_value=0, max_value=10**6, places=2),
    st.sampled_from([Decimal("99999999999.99"), Decimal("1e30"), Decimal("NaN"), Decimal("-Infinity"), "1e30",
                     "abc", float("inf"), Decimal("9999999999.995"), Decimal("0"), Decimal("-5"), None]),
)
changes = st.fixed_dictionaries({}, optional={
    "price": prices,
    "compare_at_price": prices,
    "estimated_retail_price": prices,
    "title": st.text(max_size=20) | st.sampled_from(["Birkin \ud800 30", "x" * 100_001, ""]),
    "published_at": st.none() | st.sampled_from([datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
                                                 datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))),
                                                 datetime(2026, 8, 15, 7, 55), "2026-08-15"]),
    "available": st.booleans() | st.just("yes"),
    "raw_attributes": st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3) | st.just(["x"]),
    "currency": st.sampled_from(["USD", "CAD", "DOLLARS"]),
})
items = st.lists(st.tuples(st.sampled_from([str(n) for n in range(12)]), changes), max_size=25).map(
    lambda drawn: [replace(make_item(listing_id), **change) for listing_id, change in drawn])


# ---------------------------------------------------------------- a filesystem that fails once


class FailingFileSystem(pafs.FileSystemHandler):
    """The local filesystem, with the `fail_at`-th change (create, write, move, delete) raising OSError."""

    def __init__(self, fail_at: int | None) -> None:
        self.local = pafs.LocalFileSystem()
        self.fail_at = fail_at
        self.changes = 0

    def _change(self, what: str, path: str) -> None:
        self.changes += 1
        if self.changes == self.fail_at:
            raise OSError(f"injected failure: {what} {path}")

    def get_type_name(self): return "failing-local"
    def equals(self, other): return self is other
    def normalize_path(self, path): return path
    def get_file_info(self, paths): return self.local.get_file_info(paths)
    def get_file_info_selector(self, selector): return self.local.get_file_info(selector)
    def open_input_stream(self, path): return self.local.open_input_stream(path)
    def open_input_file(self, path): return self.local.open_input_file(path)

    def create_dir(self, path, recursive):
        self._change("create_dir", path)
        self.local.create_dir(path, recursive=recursive)

    def delete_dir(self, path):
        self._change("delete_dir", path)
        self.local.delete_dir(path)

    def delete_dir_contents(self, path, missing_dir_ok=False):
        self._change("delete_dir_contents", path)
        self.local.delete_dir_contents(path, missing_dir_ok=missing_dir_ok)

    def delete_root_dir_contents(self):
        raise OSError("refused: delete_root_dir_contents")

    def delete_file(self, path):
        self._change("delete_file", path)
        self.local.delete_file(path)

    def move(self, src, dest):
        self._change("move", f"{src} -> {dest}")
        self.local.move(src, dest)

    def copy_file(self, src, dest):
        self._change("copy_file", f"{src} -> {dest}")
        self.local.copy_file(src, dest)

    def open_output_stream(self, path, metadata):
        self._change("open_output_stream", path)
        return self.local.open_output_stream(path, metadata=metadata)

    def open_append_stream(self, path, metadata):
        self._change("open_append_stream", path)
        return self.local.open_append_stream(path, metadata=metadata)


# ---------------------------------------------------------------- the day as a reader sees it


def day_state(root: Path) -> dict:
    lake = Lake.from_url(str(root))
    data_path = Path(lake.partition_path("rebag", DAY)) / DATA_FILE
    manifest = lake.read_manifest("rebag", DAY)
    row_path = Path(lake.manifest_table_path("rebag", DAY)) / "manifest.parquet"
    data = pq.read_table(data_path) if data_path.exists() else None
    row = pq.read_table(row_path).to_pylist()[0] if row_path.exists() else None
    return {
        "ids": sorted(data.column("listing_id").to_pylist()) if data is not None else None,
        "data_crawls": sorted(set(data.column("crawl_id").to_pylist())) if data is not None and "crawl_id" in data.column_names else None,
        "manifest": (manifest.get("crawl_id"), manifest.get("item_count"), manifest.get("complete")) if manifest else None,
        "row": (row.get("crawl_id"), row.get("item_count"), row.get("complete")) if row else None,
    }


def publish_earlier_crawl(root: Path, complete: bool) -> dict:
    earlier = [make_item(str(n)) for n in (100, 101, 102)]
    manifest = {"item_count": 3, "expected_count": 3, "complete": complete, "finish_reason": "finished",
                "incomplete_reasons": [] if complete else ["page 2 missing"],
                "started_at": "2026-09-03T01:00:00+00:00", "finished_at": "2026-09-03T01:05:00+00:00"}
    publish_partition(Lake.from_url(str(root)), "rebag", DAY, listings_to_table(earlier), manifest)
    return day_state(root)


def crawl_into(root: Path, batch: list, batch_size: int, filesystem: pafs.FileSystem | None):
    crawler = get_crawler(DaySpider, {"RADAR_LAKE_URL": str(root), "RADAR_LAKE_BATCH_SIZE": batch_size})
    crawler.spider = DaySpider.from_crawler(crawler)
    crawler.stats.open_spider()
    validator, writer = ValidateListingPipeline.from_crawler(crawler), LakeWriterPipeline.from_crawler(crawler)
    validator.open_spider(crawler.spider)
    if filesystem is not None:
        lake = Lake(filesystem, str(root), str(root))
        original = Lake.__dict__["from_url"]
        Lake.from_url = classmethod(lambda cls, url, settings=None: lake)  # the writer's lake fails once
    try:
        kept, dropped = [], {}
        for item in batch:
            try:
                writer.process_item(validator.process_item(item, crawler.spider), crawler.spider)
                kept.append(item.listing_id)
            except DropItem as drop:
                reason = str(drop)
                assert reason.startswith(NAMED) or reason.endswith(NAMED), reason
                dropped[reason] = dropped.get(reason, 0) + 1
                crawler.stats.inc_value("item_dropped_reasons_count/DropItem")
        writer.spider_closed(crawler.spider, "finished")
    finally:
        if filesystem is not None:
            Lake.from_url = original
    return crawler.stats, sorted(kept), dropped


def assert_earlier_intact_or_new_whole(before: dict, after: dict, kept: list, stats) -> None:
    if after == before:
        assert stats.get_value("radar/published") is not True, "published, yet the day did not change"
        return
    crawl = after["manifest"][0] if after["manifest"] else None
    assert crawl and after["row"] and after["row"][0] == crawl, f"half published: {before} -> {after}"
    assert after["ids"] == kept and after["data_crawls"] in ([crawl], []), f"half published: {before} -> {after}"
    assert after["manifest"][1] == after["row"][1] == len(kept)
    assert stats.get_value("radar/write_error") is None


# ---------------------------------------------------------------- properties


@settings(max_examples=60)
@given(items, st.integers(1, 6), st.booleans())
def test_bad_values_never_stop_the_day_and_never_half_publish_it(batch, batch_size, earlier_complete):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "lake"
        before = publish_earlier_crawl(root, earlier_complete)
        stats, kept, dropped = crawl_into(root, batch, batch_size, None)
        assert stats.get_value("radar/write_error") is None, stats.get_value("radar/write_error")
        after = day_state(root)
        assert_earlier_intact_or_new_whole(before, after, kept, stats)
        manifest = Lake.from_url(str(root)).read_manifest("rebag", DAY)
        if after != before:  # published: the manifest counts every drop by its reason
            assert manifest["dropped_items"] == dropped
        else:  # an incomplete crawl never replaces a complete day
            assert earlier_complete and stats.get_value("radar/manifest")["complete"] is False


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=(
    "publish_staged (radar/lake.py, publish region) is not atomic: a failure inside _replace_dir leaves the earlier "
    "data without its _manifest.json (delete_dir fails), or no partition at all (create_dir/move fails after the "
    "delete), or the new data without its manifest; a failure after it leaves the new data and manifest beside the "
    "earlier crawl_manifests row, or none (pq.write_table removes the old row file when it fails). The crawl_id "
    "pairing keeps the SQL from trusting such a day, but the earlier snapshot is lost. Reported in issue 11; remove "
    "this mark when the publication swaps data and manifests in one step."))
@settings(max_examples=80, phases=[Phase.explicit, Phase.generate])  # no shrinking: the failures are listed above
@given(items, st.integers(1, 6), st.booleans(), st.integers(1, 30))
def test_a_failure_at_any_step_of_the_publication_leaves_the_earlier_day_or_the_whole_new_one(
        batch, batch_size, earlier_complete, fail_at):
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "lake"
        before = publish_earlier_crawl(root, earlier_complete)
        failing = FailingFileSystem(fail_at)
        stats, kept, _ = crawl_into(root, batch, batch_size, pafs.PyFileSystem(failing))
        assert_earlier_intact_or_new_whole(before, day_state(root), kept, stats)
        if failing.changes >= fail_at and stats.get_value("radar/published") is not True:
            assert "injected failure" in (stats.get_value("radar/write_error") or ""), stats.get_stats()
