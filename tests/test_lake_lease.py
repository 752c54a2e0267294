"""One writer per lake partition (issue 11, finding 3): two crawls of one marketplace-day, or two
fetches of one day's exchange rates, race to publish. radar.lease gives the partition to one of
them; the loser fails naming the holder and leaves nothing behind; readers never pair one crawl's
data with another crawl's manifest; staging left by killed crawls is swept.

Locally on a tmp directory, and on S3 through moto's server on 127.0.0.1 (conditional writes).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import boto3
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from radar.lake import (
    FX_RATE_SCHEMA,
    Lake,
    LakeError,
    PublishResult,
    StagedPartition,
    listings_to_table,
    publish_fx_rates,
    publish_partition,
    sweep_staging,
)
from radar.lease import Lease, LeaseHeldError, LeaseLostError
from radar.settings import RadarSettings
from tests.test_s3_lake import s3_endpoint  # noqa: F401 (fixture: a moto S3 server on 127.0.0.1)

DAY = date(2026, 9, 3)
BUCKET = "radar-lease-test"
SCOPE = "listings/marketplace=rebag/snapshot_date=2026-09-03"
STAGING_DIR = Path(__file__).resolve().parent.parent / "transformations" / "sql" / "staging"


# ------------------------------------------------------------------ lakes


@pytest.fixture
def s3_lake(s3_endpoint, monkeypatch):
    """An empty bucket; the lake reaches it with the standard AWS_* variables, as a deployment does."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    yield Lake.from_url(f"s3://{BUCKET}/lake", RadarSettings(lake_url=f"s3://{BUCKET}/lake", s3_endpoint_url=s3_endpoint))
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=obj["Key"])
    s3.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def local_lake(tmp_path):
    return Lake.from_url(str(tmp_path / "lake"))


@pytest.fixture(params=["local", "s3"])
def lake(request):
    return request.getfixturevalue(f"{request.param}_lake")


def files_under(lake: Lake, relative: str) -> list[str]:
    """Files (not directory markers) under a lake path, relative to it."""
    from pyarrow import fs as pafs

    base = lake.path(relative)
    if not lake.exists(base):
        return []
    infos = lake.filesystem.get_file_info(pafs.FileSelector(base, recursive=True))
    return sorted(i.path.removeprefix(base + "/") for i in infos if i.type == pafs.FileType.File)


# ------------------------------------------------------------------ crawls


def rows(prefix: str, count: int) -> pa.Table:
    return listings_to_table([
        {"listing_id": f"{prefix}{i}", "url": f"https://shop.rebag.com/products/{prefix}{i}", "title": "Birkin 30",
         "price": Decimal("1360.00"), "currency": "USD", "available": True,
         "scraped_at": datetime(2026, 9, 3, 1, tzinfo=UTC)}
        for i in range(count)
    ])


def manifest(complete: bool, count: int) -> dict:
    return {"item_count": count, "expected_count": 20, "complete": complete,
            "incomplete_reasons": [] if complete else ["page 2 missing"], "finish_reason": "finished",
            "started_at": "2026-09-03T01:00:00+00:00", "finished_at": "2026-09-03T01:05:00+00:00"}


# crawl "a": 10 rows, incomplete; crawl "b": 20 rows, complete (the reviewer's repro)
CRAWLS = {"a": (10, False), "b": (20, True)}


def publish_crawl(lake: Lake, name: str, day: date = DAY) -> PublishResult:
    count, complete = CRAWLS[name]
    return publish_partition(lake, "rebag", day, rows(name, count), manifest(complete, count))


def race(target, args_per_thread: list[tuple]) -> list[object]:
    """Run target(*args) in one thread each, released together; each outcome is a result or an error."""
    outcomes: list[object] = [None] * len(args_per_thread)
    barrier = threading.Barrier(len(args_per_thread))

    def run(index: int, args: tuple) -> None:
        barrier.wait()
        try:
            outcomes[index] = target(*args)
        except Exception as error:  # noqa: BLE001 - every outcome is judged below
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_per_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def published_day(lake: Lake, day: date) -> dict:
    """What a reader of the day finds: the data, _manifest.json and the crawl_manifests row."""
    data = lake.read_listings("rebag", day)
    row = pq.read_table(lake.manifest_table_path("rebag", day) + "/manifest.parquet", filesystem=lake.filesystem)
    return {
        "ids": data.column("listing_id").to_pylist(),
        "data_crawls": set(data.column("crawl_id").to_pylist()),
        "json": lake.read_manifest("rebag", day),
        "row": row.to_pylist()[0],
    }


def inconsistencies(lake: Lake, day: date, outcomes: list[object]) -> list[str]:
    problems = []
    for outcome in outcomes:
        if isinstance(outcome, Exception) and not isinstance(outcome, LeaseHeldError):
            problems.append(f"unexpected {outcome!r}")
        named = "is being published by" in str(outcome) and "valid until" in str(outcome)
        if isinstance(outcome, LeaseHeldError) and not named:
            problems.append(f"the lease error does not name the holder and the expiry: {outcome}")
    losers = [o for o in outcomes if isinstance(o, LeaseHeldError)]
    if len(losers) > 1:
        problems.append("both crawls lost")
    seen = published_day(lake, day)
    crawl = {i[0] for i in seen["ids"]}
    if len(crawl) != 1:
        return problems + [f"data from crawls {crawl}"]
    count, complete = CRAWLS[crawl.pop()]
    if len(seen["ids"]) != count:
        problems.append(f"{len(seen['ids'])} rows")
    for where in ("json", "row"):
        if (seen[where]["item_count"], seen[where]["complete"]) != (count, complete):
            problems.append(f"{where} says {seen[where]['item_count']} items, complete={seen[where]['complete']}, "
                            f"beside the data of a crawl of {count}")
    crawl_ids = {seen["json"].get("crawl_id"), seen["row"]["crawl_id"], *seen["data_crawls"]}
    if len(crawl_ids) != 1 or None in crawl_ids:
        problems.append(f"crawl ids {crawl_ids}")
    if files_under(lake, "_tmp"):
        problems.append(f"staging left behind: {files_under(lake, '_tmp')}")
    if [f for f in files_under(lake, "_leases") if f.endswith(".json")]:
        problems.append("a lease left behind")
    return problems


# ------------------------------------------------------------------ the race


@pytest.mark.parametrize("trials", [40])
def test_two_concurrent_publishes_of_one_day_end_consistent(lake, trials):
    """Two crawls of one day (10 rows incomplete, 20 rows complete) publish at the same moment,
    `trials` times: every time, the day's data, _manifest.json and crawl_manifests row come from
    one crawl, the other either published before it or got LeaseHeldError, and nothing is left
    under _tmp/ or _leases/. Before the lease, about 1 trial in 5 ended inconsistent."""
    bad, lost = {}, 0
    for trial in range(trials):
        day = DAY + timedelta(days=trial)
        outcomes = race(publish_crawl, [(lake, "a", day), (lake, "b", day)])
        lost += sum(isinstance(o, LeaseHeldError) for o in outcomes)
        problems = inconsistencies(lake, day, outcomes)
        if problems:
            bad[day] = problems
    assert bad == {}, f"{len(bad)} of {trials} trials inconsistent: {bad}"
    assert lost > 0  # the race did happen: some publishes overlapped and one lost


def test_concurrent_exchange_rate_fetches_of_one_day_end_consistent(lake):
    def fetch(rate: float):
        table = pa.table({"rate_date": [DAY, DAY], "currency": ["USD", "CAD"], "units_per_eur": [rate, rate + 0.4],
                          "source_url": [f"test://{rate}"] * 2}, schema=FX_RATE_SCHEMA)
        return publish_fx_rates(lake, DAY, "daily", table, {"source_url": f"test://{rate}", "row_count": 2})

    lost = 0
    for _trial in range(20):
        outcomes = race(fetch, [(1.1,), (1.2,)])
        assert all(isinstance(o, (PublishResult, LeaseHeldError)) for o in outcomes), outcomes
        lost += sum(isinstance(o, LeaseHeldError) for o in outcomes)
        data = pq.read_table(lake.fx_rates_path(DAY, "daily") + "/part-0.parquet", filesystem=lake.filesystem)
        assert set(data.column("source_url").to_pylist()) == {lake.read_fx_manifest(DAY, "daily")["source_url"]}
        assert files_under(lake, "_tmp") == []
    assert lost > 0


# ------------------------------------------------------------------ the loser


def test_the_loser_fails_naming_the_holder_and_leaves_nothing(lake):
    publish_crawl(lake, "b")
    before = published_day(lake, DAY)
    with Lease(lake, SCOPE, owner="crawler-7:4242:abc") as holder:
        with pytest.raises(LeaseHeldError, match=r"crawler-7:4242:abc .*valid until 20\d\d-") as error:
            publish_crawl(lake, "a")
        assert isinstance(error.value, LakeError)  # the lake writer's spider_closed reports it as a write error
        assert holder.held
    assert published_day(lake, DAY) == before  # the day is as the holder left it
    assert files_under(lake, "_tmp") == []
    assert files_under(lake, "raw/_rejected") == []


def test_the_fx_loser_fails_naming_the_holder(lake):
    table = pa.table({"rate_date": [DAY], "currency": ["USD"], "units_per_eur": [1.1], "source_url": ["t"]},
                     schema=FX_RATE_SCHEMA)
    with Lease(lake, "fx_rates/fetch_date=2026-09-03/feed=daily", owner="rates-1:9:x"):
        with pytest.raises(LeaseHeldError, match="rates-1:9:x"):
            publish_fx_rates(lake, DAY, "daily", table, {"row_count": 1})
    assert files_under(lake, "_tmp") == []
    assert publish_fx_rates(lake, DAY, "daily", table, {"row_count": 1}).published  # released: the next one goes


# ------------------------------------------------------------------ expiry


def test_an_expired_lease_is_taken_over_and_its_old_holder_finds_out(lake):
    stale = Lease(lake, SCOPE, owner="killed-crawl:1:old", ttl=timedelta(seconds=-1)).acquire()
    result = publish_crawl(lake, "b")  # the holder was killed (or stalled): its lease expired
    assert result.published and published_day(lake, DAY)["row"]["item_count"] == 20
    with pytest.raises(LeaseLostError, match="taken over"):
        stale.renew()
    stale.release()  # a no-op now: it never deletes the lease of whoever holds it
    assert publish_crawl(lake, "b").published is True  # nobody holds it: the next publish goes


def test_an_expired_lease_goes_to_exactly_one_of_many_takers(lake):
    for trial in range(10):
        scope = f"listings/marketplace=rebag/snapshot_date=trial-{trial}"
        Lease(lake, scope, owner="killed-crawl:1:old", ttl=timedelta(seconds=-1)).acquire()
        takers = [Lease(lake, scope, owner=f"taker-{i}") for i in range(4)]
        outcomes = race(lambda lease: lease.acquire(), [(t,) for t in takers])
        winners = [t for t in takers if t.held]
        assert len(winners) == 1, outcomes
        assert all(isinstance(o, LeaseHeldError) and winners[0].owner in str(o) for o in outcomes if o is not winners[0])
        assert Lease(lake, scope).holder().owner == winners[0].owner


def test_a_held_lease_is_renewed_and_released(lake):
    lease = Lease(lake, SCOPE, owner="me", ttl=timedelta(seconds=30)).acquire()
    first = lease.holder().expires_at
    time.sleep(0.01)
    lease.renew()
    assert lease.holder().expires_at > first
    with pytest.raises(LeaseHeldError):
        Lease(lake, SCOPE, owner="other").acquire()
    lease.release()
    assert lease.holder() is None and not lease.held


# ------------------------------------------------------------------ readers


def transform_staging_manifests(data_dir: Path) -> None:
    """Build staging.stg_crawl_manifests and staging.stg_rebag__listings alone (the project's
    models, YAML and macros) over data_dir/lake, into data_dir/warehouse.duckdb."""
    from transformations.runner import run_transformations

    staging = data_dir / "sql" / "staging"
    staging.mkdir(parents=True)
    for model in ("stg_crawl_manifests", "stg_rebag__listings"):
        for suffix in (".sql", ".yml"):
            shutil.copy(STAGING_DIR / f"{model}{suffix}", staging)
    (data_dir / "seeds").mkdir()
    settings = RadarSettings(lake_url=str(data_dir / "lake"), warehouse_path=str(data_dir / "warehouse.duckdb"))
    result = run_transformations(settings, sql_dir=data_dir / "sql", seeds_dir=data_dir / "seeds")
    assert result.documentation_problems == {}


def query(data_dir: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        cursor = con.execute(sql)
        return [dict(zip([d[0] for d in cursor.description], row)) for row in cursor.fetchall()]
    finally:
        con.close()


def data_file(lake: Lake, day: date) -> Path:
    return Path(lake.partition_path("rebag", day)) / f"part-{lake.read_manifest('rebag', day)['crawl_id']}.parquet"


def test_sql_reads_only_the_published_crawl_and_trusts_its_manifest_only_beside_its_data(tmp_path):
    """What a reader may meet in a partition: another crawl's file beside the published one (a
    publish under way, or one that failed), the manifest row without its data, a partition
    written before crawl ids (alone, or with a new crawl's file beside it). The staging SQL reads
    only the rows of the crawl the row names, and trusts a complete row only beside its data."""
    lake = Lake.from_url(str(tmp_path / "lake"))
    days = [DAY + timedelta(days=i) for i in range(5)]
    for day in days:
        publish_crawl(lake, "b", day)  # complete, 20 rows
    other = Lake.from_url(str(tmp_path / "other"))
    for day in (days[1], days[4]):  # an incomplete crawl's file beside the published one
        publish_crawl(other, "a", day)
        shutil.copy(data_file(other, day), Path(lake.partition_path("rebag", day)))
    # day 2: the published crawl's data gone, its complete row still there
    os.remove(data_file(lake, days[2]))
    # days 3 and 4: partitions written before crawl ids (part-0.parquet, no crawl_id anywhere)
    for day in days[3:]:
        published = data_file(lake, day)
        pq.write_table(pq.read_table(published).drop_columns(["crawl_id"]), published.parent / "part-0.parquet")
        os.remove(published)
        row_path = Path(lake.manifest_table_path("rebag", day)) / "manifest.parquet"
        pq.write_table(pq.read_table(row_path).drop_columns(["crawl_id"]), row_path)

    transform_staging_manifests(tmp_path)
    found = query(tmp_path, "select snapshot_date, is_complete, incomplete_reasons, crawl_id "
                            "from staging.stg_crawl_manifests order by snapshot_date")
    assert [(r["snapshot_date"], r["is_complete"]) for r in found] == [
        (days[0], True), (days[1], True), (days[2], False), (days[3], True), (days[4], True),
    ]
    assert found[2]["incomplete_reasons"].startswith("the data partition holds none of this manifest's crawl rows")
    assert found[0]["crawl_id"] == lake.read_manifest("rebag", days[0])["crawl_id"] and found[3]["crawl_id"] is None
    listings = query(tmp_path, "select snapshot_date, count(*) as n, min(listing_id) as first, max(listing_id) as last "
                               "from staging.stg_rebag__listings group by snapshot_date order by snapshot_date")
    assert [(r["snapshot_date"], r["n"], r["first"][0], r["last"][0]) for r in listings] == [
        (days[0], 20, "b", "b"), (days[1], 20, "b", "b"), (days[3], 20, "b", "b"), (days[4], 20, "b", "b"),
    ]  # crawl a's rows never; day 2 has none of its crawl's rows


# ------------------------------------------------------------------ stale staging


KILLED_CRAWL = """
import os, sys
from radar.lake import Lake, StagedPartition, listings_to_table
staged = StagedPartition(Lake.from_url(sys.argv[1]))
staged.write(listings_to_table([{"listing_id": str(i), "title": "Birkin 30 " * 20} for i in range(20000)]))
print(staged.directory, flush=True)
os.kill(os.getpid(), 9)  # killed mid-crawl: a Parquet file without its footer, never published
"""


def test_a_killed_crawls_staging_is_swept_by_the_next_publish(tmp_path):
    lake = Lake.from_url(str(tmp_path / "lake"))
    killed = subprocess.run([sys.executable, "-c", KILLED_CRAWL, str(tmp_path / "lake")], cwd=Path(__file__).parent.parent,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    broken = Path(killed.stdout.strip())
    assert (broken / "part-0.parquet").exists()
    with pytest.raises(pa.ArrowInvalid):
        pq.read_table(broken / "part-0.parquet")  # what a killed crawl leaves: no footer
    live = StagedPartition(lake)  # a crawl of this process still running: kept
    live.write(rows("l", 3))

    assert publish_crawl(lake, "b").published  # the next publish of the lake sweeps
    assert not broken.exists()
    assert Path(live.directory).exists()
    assert files_under(lake, "_tmp") == [f"{Path(live.directory).name}/_staging.json",
                                         f"{Path(live.directory).name}/part-0.parquet"]


def test_staging_idle_for_a_day_is_swept_and_fresh_staging_of_another_host_is_kept(lake):
    def staging(name: str, host: str, started: datetime) -> str:
        directory = lake.path("_tmp", name)
        lake.filesystem.create_dir(directory, recursive=True)
        with lake.filesystem.open_output_stream(directory + "/_staging.json") as stream:
            stream.write(json.dumps({"crawl_id": name, "host": host, "pid": 1, "started_at": started.isoformat()}).encode())
        with lake.filesystem.open_output_stream(directory + "/part-0.parquet") as stream:
            stream.write(b"PAR1 half a file")
        return directory

    now = datetime.now(UTC)
    staging("fresh", "another-worker", now)
    staging("old", "another-worker", now - timedelta(days=2))
    swept = sweep_staging(lake, now=now + timedelta(hours=1))
    assert [Path(p).name for p in swept] == []  # files written an hour ago: a crawl still running elsewhere
    swept = sweep_staging(lake, now=now + timedelta(days=1, hours=1))
    assert sorted(Path(p).name for p in swept) == ["fresh", "old"]
    assert files_under(lake, "_tmp") == []


# ------------------------------------------------------------------ the crawl that loses


def test_a_crawl_that_finds_the_day_leased_reports_a_write_error_and_leaves_nothing(tmp_path):
    """The lake writer's spider_closed reports the lost lease as radar/write_error (the flow fails
    the task on it, flows/crawling.py), with the holder's name; nothing is published or staged."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from crawlers.pipelines import LakeWriterPipeline

    class RebagLikeSpider(Spider):
        name = "rebag"
        snapshot_date = DAY

    crawler = get_crawler(RebagLikeSpider, {"RADAR_LAKE_URL": str(tmp_path / "lake"), "RADAR_LAKE_BATCH_SIZE": 2})
    crawler.spider = RebagLikeSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    writer = LakeWriterPipeline.from_crawler(crawler)
    for listing_id in ("1", "2", "3"):
        writer.process_item({"listing_id": listing_id, "url": f"https://x.test/{listing_id}", "title": "Birkin",
                             "price": Decimal("10.00"), "currency": "USD", "available": True}, crawler.spider)
    lake = Lake.from_url(str(tmp_path / "lake"))
    assert len(files_under(lake, "_tmp")) == 2  # the first batch is staged (and its _staging.json)
    with Lease(lake, SCOPE, owner="other-crawl:77:x"):
        writer.spider_closed(crawler.spider, "finished")
    error = crawler.stats.get_value("radar/write_error")
    assert error and "other-crawl:77:x" in error and "valid until" in error
    assert crawler.stats.get_value("radar/published") is None
    assert lake.read_manifest("rebag", DAY) is None
    assert files_under(lake, "_tmp") == []
