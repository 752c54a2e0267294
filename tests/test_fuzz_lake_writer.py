"""Issue 11, finding 7: property tests (hypothesis) over the lake writer.

Random batches of items, bad values among them (prices beyond decimal(12,2), NaN, text that is
not valid Unicode, timestamps UTC cannot hold, duplicates), go through the validating pipeline
and the lake writer (crawlers/pipelines.py -> StagedPartition/publish_staged) over a day that
already holds an earlier crawl. Properties: the crawl never raises; bad items are dropped with a
named reason and counted per reason; the day is never half published: the earlier crawl's
partition is intact (data, _manifest.json, crawl_manifests row), or the new crawl's is whole
(exactly its kept items, its manifest and its row, one crawl id). The second property is also
checked with the filesystem failing at any one write, move or delete of the publication, on a
local lake and on S3 (moto's server on 127.0.0.1), and with a reader (the staging SQL over the
DuckDB views of transformations/sources.py, and Lake.read_listings) run between every two steps.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlers.pipelines import LakeWriterPipeline, ValidateListingPipeline
from radar.lake import Lake, listings_to_table, publish_partition
from radar.settings import RadarSettings
from tests.test_lake import DAY, make_item
from tests.test_s3_lake import BUCKET, s3_endpoint, s3_lake  # noqa: F401  (fixtures)

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
    """A filesystem (the local one unless `inner` is given), with the `fail_at`-th change (create,
    write, move, delete) raising OSError; `after_change(what)` runs after every change that went
    through (a written file: once it is closed), e.g. a reader between two steps."""

    def __init__(self, fail_at: int | None, inner: pafs.FileSystem | None = None, after_change=None) -> None:
        self.inner = inner or pafs.LocalFileSystem()
        self.fail_at = fail_at
        self.after_change = after_change
        self.changes = 0
        self.failed = ""  # the change that failed

    def _change(self, what: str, path: str, do):
        self.changes += 1
        if self.changes == self.fail_at:
            self.failed = f"{what} {path}"
            raise OSError(f"injected failure: {what} {path}")
        result = do()
        if self.after_change is not None and not what.startswith("open_"):
            self.after_change(f"{what} {path}")
        return result

    def get_type_name(self): return "failing-" + self.inner.type_name
    def equals(self, other): return self is other
    def normalize_path(self, path): return self.inner.normalize_path(path)
    def get_file_info(self, paths): return self.inner.get_file_info(paths)
    def get_file_info_selector(self, selector): return self.inner.get_file_info(selector)
    def open_input_stream(self, path): return self.inner.open_input_stream(path)
    def open_input_file(self, path): return self.inner.open_input_file(path)

    def create_dir(self, path, recursive):
        self._change("create_dir", path, lambda: self.inner.create_dir(path, recursive=recursive))

    def delete_dir(self, path):
        self._change("delete_dir", path, lambda: self.inner.delete_dir(path))

    def delete_dir_contents(self, path, missing_dir_ok=False):
        self._change("delete_dir_contents", path,
                     lambda: self.inner.delete_dir_contents(path, missing_dir_ok=missing_dir_ok))

    def delete_root_dir_contents(self):
        raise OSError("refused: delete_root_dir_contents")

    def delete_file(self, path):
        self._change("delete_file", path, lambda: self.inner.delete_file(path))

    def move(self, src, dest):
        self._change("move", f"{src} -> {dest}", lambda: self.inner.move(src, dest))

    def copy_file(self, src, dest):
        self._change("copy_file", f"{src} -> {dest}", lambda: self.inner.copy_file(src, dest))

    def open_output_stream(self, path, metadata):
        stream = self._change("open_output_stream", path, lambda: self.inner.open_output_stream(path, metadata=metadata))
        return pa.PythonFile(_Notifying(stream, lambda: self.after_change and self.after_change(f"wrote {path}")), mode="w")

    def open_append_stream(self, path, metadata):
        return self._change("open_append_stream", path, lambda: self.inner.open_append_stream(path, metadata=metadata))


class _Notifying:
    """An output stream that says when it is closed (the file is then written, on S3 too)."""

    def __init__(self, stream, on_close) -> None:
        self.stream, self.on_close, self.closed = stream, on_close, False

    def write(self, data): return self.stream.write(data)
    def flush(self): self.stream.flush()
    def tell(self): return self.stream.tell()
    def writable(self): return True

    def close(self):
        if not self.closed:
            self.closed = True
            self.stream.close()
            self.on_close()


def on_failing(lake: Lake, handler: FailingFileSystem) -> Lake:
    """The same lake (root, URL, S3 endpoint) seen through the failing filesystem."""
    handler.inner = lake.filesystem
    return dataclasses.replace(lake, filesystem=pafs.PyFileSystem(handler))


# ---------------------------------------------------------------- the day as a reader sees it


def day_state(lake: Lake) -> dict:
    """What the Python readers find: the published crawl's rows, _manifest.json, the crawl_manifests row."""
    data = lake.read_listings("rebag", DAY)
    manifest = lake.read_manifest("rebag", DAY)
    row_path = lake.manifest_table_path("rebag", DAY) + "/manifest.parquet"
    row = pq.read_table(row_path, filesystem=lake.filesystem).to_pylist()[0] if lake.exists(row_path) else None
    return {
        "ids": sorted(data.column("listing_id").to_pylist()) if lake.exists(lake.partition_path("rebag", DAY)) else None,
        "data_crawls": sorted(set(data.column("crawl_id").to_pylist())),
        "manifest": (manifest.get("crawl_id"), manifest.get("item_count"), manifest.get("complete")) if manifest else None,
        "row": (row.get("crawl_id"), row.get("item_count"), row.get("complete")) if row else None,
    }


EARLIER_IDS = ["100", "101", "102"]


def publish_earlier_crawl(lake: Lake, complete: bool) -> dict:
    earlier = [make_item(n) for n in EARLIER_IDS]
    manifest = {"item_count": 3, "expected_count": 3, "complete": complete, "finish_reason": "finished",
                "incomplete_reasons": [] if complete else ["page 2 missing"],
                "started_at": "2026-09-03T01:00:00+00:00", "finished_at": "2026-09-03T01:05:00+00:00"}
    publish_partition(lake, "rebag", DAY, listings_to_table(earlier), manifest)
    return day_state(lake)


def crawl_into(lake: Lake, batch: list, batch_size: int, failing: FailingFileSystem | None = None):
    """The validating pipeline and the lake writer over `batch`, writing through `failing` if given."""
    crawler = get_crawler(DaySpider, {"RADAR_LAKE_URL": lake.url, "RADAR_LAKE_BATCH_SIZE": batch_size})
    crawler.spider = DaySpider.from_crawler(crawler)
    crawler.stats.open_spider()
    validator, writer = ValidateListingPipeline.from_crawler(crawler), LakeWriterPipeline.from_crawler(crawler)
    validator.open_spider(crawler.spider)
    target = on_failing(lake, failing) if failing is not None else lake
    original = Lake.__dict__["from_url"]
    Lake.from_url = classmethod(lambda cls, url, settings=None: target)  # the writer's lake
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


def local_lake(directory: str) -> Lake:
    return Lake.from_url(str(Path(directory) / "lake"))


# ---------------------------------------------------------------- properties


@settings(max_examples=60)
@given(items, st.integers(1, 6), st.booleans())
def test_bad_values_never_stop_the_day_and_never_half_publish_it(batch, batch_size, earlier_complete):
    with tempfile.TemporaryDirectory() as directory:
        lake = local_lake(directory)
        before = publish_earlier_crawl(lake, earlier_complete)
        stats, kept, dropped = crawl_into(lake, batch, batch_size)
        assert stats.get_value("radar/write_error") is None, stats.get_value("radar/write_error")
        after = day_state(lake)
        assert_earlier_intact_or_new_whole(before, after, kept, stats)
        manifest = lake.read_manifest("rebag", DAY)
        if after != before:  # published: the manifest counts every drop by its reason
            assert manifest["dropped_items"] == dropped
        else:  # an incomplete crawl never replaces a complete day
            assert earlier_complete and stats.get_value("radar/manifest")["complete"] is False


@settings(max_examples=80, phases=[Phase.explicit, Phase.generate])
@given(items, st.integers(1, 6), st.booleans(), st.integers(1, 30))
def test_a_failure_at_any_step_of_the_publication_leaves_the_earlier_day_or_the_whole_new_one(
        batch, batch_size, earlier_complete, fail_at):
    with tempfile.TemporaryDirectory() as directory:
        lake = local_lake(directory)
        before = publish_earlier_crawl(lake, earlier_complete)
        failing = FailingFileSystem(fail_at)
        stats, kept, _ = crawl_into(lake, batch, batch_size, failing)
        assert_earlier_intact_or_new_whole(before, day_state(lake), kept, stats)
        if failing.changes >= fail_at and stats.get_value("radar/published") is not True:
            assert "injected failure" in (stats.get_value("radar/write_error") or ""), stats.get_stats()


# ---------------------------------------------------------------- every step, local and S3

NEW_BATCH = [make_item(str(n)) for n in range(5)]


def fail_at_every_step(fresh_lake, earlier_complete: bool) -> int:
    """Publish an earlier crawl, then a new one (5 items) with the filesystem failing at its 1st,
    2nd, ... change, each on a fresh lake: the day is the earlier one or the new one, whole.
    Returns the number of changes of a clean publication."""
    lake = fresh_lake()
    publish_earlier_crawl(lake, earlier_complete)
    clean = FailingFileSystem(None)
    stats, kept, _ = crawl_into(lake, NEW_BATCH, 2, clean)
    assert stats.get_value("radar/published") is True
    assert day_state(lake)["ids"] == kept == sorted(i.listing_id for i in NEW_BATCH)
    for fail_at in range(1, clean.changes + 1):
        lake = fresh_lake()
        before = publish_earlier_crawl(lake, earlier_complete)
        failing = FailingFileSystem(fail_at)
        stats, kept, _ = crawl_into(lake, NEW_BATCH, 2, failing)
        after = day_state(lake)
        assert after in (before, after if after != before else None), after
        assert_earlier_intact_or_new_whole(before, after, kept, stats)
        if stats.get_value("radar/published") is not True:
            assert after == before and "injected failure" in stats.get_value("radar/write_error"), (fail_at, stats.get_stats())
        if _files(lake, lake.path("_tmp")):  # only when removing it was what failed (swept later: sweep_staging)
            assert failing.failed.startswith("delete_dir " + lake.path("_tmp")), f"staging left behind: {failing.failed}"
    return clean.changes


def _files(lake: Lake, base: str) -> list[str]:
    if not lake.exists(base):
        return []
    return [i.path for i in lake.filesystem.get_file_info(pafs.FileSelector(base, recursive=True))
            if i.type == pafs.FileType.File]


@pytest.mark.parametrize("earlier_complete", [True, False])
def test_a_failure_at_each_step_on_a_local_lake_leaves_the_earlier_day_or_the_new_one(tmp_path, earlier_complete):
    lakes = iter(range(1000))
    steps = fail_at_every_step(lambda: local_lake(str(tmp_path / str(next(lakes)))), earlier_complete)
    assert steps >= 8  # staging, data, row, manifest, removals: every one was failed once


@pytest.mark.parametrize("earlier_complete", [True, False])
def test_a_failure_at_each_step_on_s3_leaves_the_earlier_day_or_the_new_one(s3_lake, earlier_complete):
    lake, _ = s3_lake
    lakes = iter(range(1000))

    def fresh() -> Lake:
        prefix = f"lake-{next(lakes)}"
        return dataclasses.replace(lake, root=f"{BUCKET}/{prefix}", url=f"s3://{BUCKET}/{prefix}")

    assert fail_at_every_step(fresh, earlier_complete) >= 8


def test_an_old_partition_with_a_failed_publish_beside_it_is_cleaned_by_the_next_publish(tmp_path):
    lake = local_lake(str(tmp_path))
    before = publish_earlier_crawl(lake, True)
    stats, _, _ = crawl_into(lake, NEW_BATCH, 2, FailingFileSystem(None, after_change=_fail_on_manifest_json))
    assert "injected failure" in stats.get_value("radar/write_error") and day_state(lake) == before
    stats, kept, _ = crawl_into(lake, NEW_BATCH, 2)
    assert stats.get_value("radar/published") is True and day_state(lake)["ids"] == kept
    crawl_id = lake.read_manifest("rebag", DAY)["crawl_id"]
    assert sorted(Path(p).name for p in _files(lake, lake.partition_path("rebag", DAY))) == [
        "_manifest.json", f"part-{crawl_id}.parquet"]
    assert [Path(p).name for p in _files(lake, lake.manifest_table_path("rebag", DAY))] == ["manifest.parquet"]


def _fail_on_manifest_json(what: str) -> None:
    if what.startswith("wrote") and "_manifest.json" in what and "/raw/listings/" in what:
        raise OSError(f"injected failure: {what}")


# ---------------------------------------------------------------- a reader between every two steps

STAGING_MODELS = Path(__file__).resolve().parent.parent / "transformations" / "sql" / "staging"


class DayReader:
    """Reads the day as the transform does (staging.stg_rebag__listings and stg_crawl_manifests,
    the project's models and macros, over the DuckDB views of transformations/sources.py, built
    into a fresh warehouse) and as the crawlers do (Lake.read_listings, read_manifest)."""

    def __init__(self, lake: Lake, work: Path, settings: RadarSettings) -> None:
        self.lake, self.work, self.settings = lake, work, settings
        (work / "sql" / "staging").mkdir(parents=True)
        (work / "seeds").mkdir()
        for model in ("stg_crawl_manifests", "stg_rebag__listings"):
            for suffix in (".sql", ".yml"):
                shutil.copy(STAGING_MODELS / f"{model}{suffix}", work / "sql" / "staging")
        self.seen: list[tuple] = []

    def sql(self) -> tuple:
        from transformations.runner import run_transformations

        warehouse = self.work / f"warehouse-{len(self.seen)}.duckdb"
        settings = self.settings.model_copy(update={"warehouse_path": str(warehouse)})
        run_transformations(settings, sql_dir=self.work / "sql", seeds_dir=self.work / "seeds")
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            ids = sorted(r[0] for r in con.execute("select listing_id from staging.stg_rebag__listings").fetchall())
            manifests = con.execute("select item_count, is_complete from staging.stg_crawl_manifests").fetchall()
        finally:
            con.close()
        warehouse.unlink()
        return ids, manifests

    def python(self) -> tuple:
        data = self.lake.read_listings("rebag", DAY)
        manifest = self.lake.read_manifest("rebag", DAY) or {}
        return (sorted(data.column("listing_id").to_pylist()), sorted(set(data.column("crawl_id").to_pylist())),
                manifest.get("crawl_id"), manifest.get("item_count"), manifest.get("complete"))

    def __call__(self, step: str) -> None:
        self.seen.append((step, self.sql(), self.python()))


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_reader_between_any_two_steps_of_a_publish_sees_the_earlier_day_or_the_new_one(where, tmp_path, request):
    if where == "s3":
        lake, _ = request.getfixturevalue("s3_lake")
        settings = RadarSettings(lake_url=lake.url, s3_endpoint_url=lake.s3_endpoint_url)
    else:
        lake = local_lake(str(tmp_path))
        settings = RadarSettings(lake_url=lake.url)
    publish_earlier_crawl(lake, True)
    reader = DayReader(lake, tmp_path / "reader", settings)
    reader("before")
    stats, kept, _ = crawl_into(lake, NEW_BATCH, 2, FailingFileSystem(None, after_change=reader))
    reader("after")
    assert stats.get_value("radar/published") is True and kept == sorted(i.listing_id for i in NEW_BATCH)

    new_crawl = lake.read_manifest("rebag", DAY)["crawl_id"]
    earlier_sql, new_sql = (EARLIER_IDS, [(3, True)]), (kept, [(5, True)])
    problems = []
    for step, sql, python in reader.seen:
        if sql not in (earlier_sql, new_sql):
            problems.append(f"SQL after {step}: {sql}")
        ids, data_crawls, crawl, count, complete = python
        whole = data_crawls == [crawl] and count == len(ids) and complete is True
        if not (whole and ((ids == EARLIER_IDS and crawl != new_crawl) or (ids == kept and crawl == new_crawl))):
            problems.append(f"Python after {step}: {python}")
    assert problems == []
    assert reader.seen[0][1] == earlier_sql and reader.seen[-1][1] == new_sql
    switched = [i for i, (_, sql, _) in enumerate(reader.seen) if sql == new_sql]
    assert switched == list(range(switched[0], len(reader.seen)))  # once switched, never back
    assert len(reader.seen) >= 8, [s for s, _, _ in reader.seen]  # staging, data, row, manifest, removals


# ---------------------------------------------------------------- exchange rates


def fx_state(lake: Lake) -> tuple:
    """(the rates' source URLs as the SQL reads them: the one data file, _manifest.json's source URL)."""
    path = lake.fx_rates_path(DAY, "daily") + "/" + "part-0.parquet"
    data = pq.read_table(path, filesystem=lake.filesystem) if lake.exists(path) else None
    manifest = lake.read_fx_manifest(DAY, "daily")
    return (sorted(set(data.column("source_url").to_pylist())) if data is not None else None,
            manifest["source_url"] if manifest else None)


def publish_rates(lake: Lake, rate: float):
    from radar.lake import FX_RATE_SCHEMA, publish_fx_rates

    table = pa.table({"rate_date": [DAY, DAY], "currency": ["USD", "CAD"], "units_per_eur": [rate, rate + 0.4],
                      "source_url": [f"test://{rate}"] * 2}, schema=FX_RATE_SCHEMA)
    return publish_fx_rates(lake, DAY, "daily", table, {"source_url": f"test://{rate}", "row_count": 2})


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_failure_at_each_step_of_an_fx_publish_leaves_the_earlier_fetch_or_the_new_one(where, tmp_path, request):
    from radar.lake import LakeError

    if where == "s3":
        base, _ = request.getfixturevalue("s3_lake")
    lakes = iter(range(1000))

    def fresh() -> Lake:
        if where == "local":
            return local_lake(str(tmp_path / str(next(lakes))))
        prefix = f"lake-{next(lakes)}"
        return dataclasses.replace(base, root=f"{BUCKET}/{prefix}", url=f"s3://{BUCKET}/{prefix}")

    earlier, new = (["test://1.1"], "test://1.1"), (["test://1.2"], "test://1.2")
    lake = fresh()
    publish_rates(lake, 1.1)
    clean = FailingFileSystem(None)
    publish_rates(on_failing(lake, clean), 1.2)
    assert fx_state(lake) == new and clean.changes >= 5
    for fail_at in range(1, clean.changes + 1):
        lake = fresh()
        publish_rates(lake, 1.1)
        failing = FailingFileSystem(fail_at)
        try:
            publish_rates(on_failing(lake, failing), 1.2)
        except LakeError as error:
            assert "injected failure" in str(error)
            assert fx_state(lake) == earlier, (fail_at, failing.failed)
        else:
            assert fx_state(lake) == new, (fail_at, failing.failed)
