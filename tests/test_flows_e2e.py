"""The daily flow end to end on the sandbox: S3 vs local lake, Slack on failure, incomplete crawls, backfill.

Small markets (Rebag and VSP only, no browser) keep each run to seconds per day.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pytest

from cli.demo import SANDBOX_CRAWL_SETTINGS
from flows import daily
from radar.settings import get_settings
from sandbox.market import Market
from sandbox.server import SandboxServer
from tests.test_alerts import SlackReceiver

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

START = date(2026, 9, 1)
SITES = ["rebag", "vsp"]


@pytest.fixture
def no_retries(monkeypatch):
    # crawls are retried per the flow's crawl_retries parameter; the transform's retry is a task option
    monkeypatch.setattr(daily, "transform", daily.transform.with_options(retries=0))
    monkeypatch.setattr(daily, "fetch_fx_rates", daily.fetch_fx_rates.with_options(retries=0))


@pytest.fixture
def slack(monkeypatch):
    receiver = SlackReceiver()
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", receiver.url)
    monkeypatch.setattr("flows.slack.SLACK_BLOCK_NAME", "no-such-block-in-tests")
    yield receiver
    receiver.close()


def use_data_dir(monkeypatch, data_dir, lake_url=None):
    monkeypatch.setenv("RADAR_LAKE_URL", lake_url or str(data_dir / "lake"))
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(data_dir / "warehouse.duckdb"))
    get_settings.cache_clear()


def run_days(days: int, marketplaces=SITES, faults_by_day=None, seed=3):
    market = Market(seed=seed, start_date=START, scale=0.05)
    results = []
    with SandboxServer(market, marketplaces) as sandbox:
        for offset in range(days):
            day = START + timedelta(days=offset)
            sandbox.set_day(day)
            sandbox.clear_faults()
            for marketplace, faults in (faults_by_day or {}).get(day, {}).items():
                sandbox.set_faults(marketplace, **faults)
            results.append(
                daily.daily_market_snapshot(day, marketplaces, sandbox.base_urls, SANDBOX_CRAWL_SETTINGS, crawl_retries=0,
                                            fx_base_url=sandbox.fx_base_url))
    return results


def mart_rows(warehouse) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = [t for (t,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        return {t: sorted(connection.execute(f"select * from marts.{t}").fetchall(), key=repr) for t in tables}


def test_the_lake_on_s3_gives_the_same_marts_as_a_local_lake(tmp_path, monkeypatch, no_retries):
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_DEFAULT_REGION": "us-east-1", "RADAR_S3_ENDPOINT_URL": endpoint}.items():
            monkeypatch.setenv(name, value)
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket="radar-test")

        use_data_dir(monkeypatch, tmp_path / "s3", lake_url="s3://radar-test/lake")
        run_days(3)
        on_s3 = mart_rows(tmp_path / "s3" / "warehouse.duckdb")
        objects = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").list_objects_v2(Bucket="radar-test")
        assert any(o["Key"].endswith("_manifest.json") for o in objects["Contents"])
        fx_key = "lake/raw/fx_rates/fetch_date=2026-09-03/feed=hist-90d/part-0.parquet"
        assert any(o["Key"] == fx_key for o in objects["Contents"])
    finally:
        server.stop()
    monkeypatch.delenv("RADAR_S3_ENDPOINT_URL")
    use_data_dir(monkeypatch, tmp_path / "local")
    run_days(3)
    local = mart_rows(tmp_path / "local" / "warehouse.duckdb")
    assert on_s3.keys() == local.keys() and "dim_listing" in local
    assert len(local["dim_listing"]) > 50
    for table in local:
        assert _without_timestamps(on_s3[table]) == _without_timestamps(local[table]), table


def _without_timestamps(rows):
    """Rows without what differs between two runs by design: crawl timestamps and the sandbox's port in URLs."""
    import re
    from datetime import datetime

    def stable(value):
        return re.sub(r"http://127\.0\.0\.1:\d+", "http://sandbox", value) if isinstance(value, str) else value

    return sorted((tuple(stable(v) for v in row if not isinstance(v, datetime)) for row in rows), key=repr)


def test_a_failing_crawl_posts_the_failure_to_slack(tmp_path, monkeypatch, no_retries, slack):
    use_data_dir(monkeypatch, tmp_path)
    unwritable = {**SANDBOX_CRAWL_SETTINGS, "RADAR_LAKE_URL": "/proc/radar-cannot-write-here"}
    market = Market(seed=3, start_date=START, scale=0.05)
    with SandboxServer(market, ["vsp"]) as sandbox:
        with pytest.raises(Exception, match="lake write failed"):
            daily.daily_market_snapshot(START, ["vsp"], sandbox.base_urls, unwritable, crawl_retries=0,
                                        fx_base_url=sandbox.fx_base_url)
    failure = [m for m in slack.messages if ":red_circle:" in m["text"]]
    assert failure, slack.messages
    message = json.dumps(failure[0])
    for expected in ("daily-market-snapshot", "2026-09-01", "vsp", "crawl", "lake write failed", "/runs/flow-run/"):
        assert expected in message, expected
    assert "hooks" not in message and slack.url not in message


def test_a_failed_rates_fetch_still_transforms_the_day_then_fails_the_run(tmp_path, monkeypatch, no_retries):
    use_data_dir(monkeypatch, tmp_path)
    market = Market(seed=3, start_date=START, scale=0.05)
    with SandboxServer(market, ["rebag"]) as sandbox:
        with pytest.raises(Exception, match=r"ECB exchange rates: GET http://127.0.0.1:9/.*failed"):
            daily.daily_market_snapshot(START, ["rebag"], sandbox.base_urls, SANDBOX_CRAWL_SETTINGS, crawl_retries=0,
                                        fx_base_url="http://127.0.0.1:9/stats/eurofxref/")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        usd = connection.execute("select count(*), count(price_usd) from intermediate.int_listings_unioned").fetchall()
    assert usd[0][0] > 0 and usd[0][0] == usd[0][1]  # USD prices need no rate: the day is in the marts
    assert not (tmp_path / "lake" / "raw" / "fx_rates").exists()


def test_an_incomplete_crawl_warns_and_creates_no_sales(tmp_path, monkeypatch, no_retries, slack):
    use_data_dir(monkeypatch, tmp_path)
    broken_days = [START + timedelta(days=d) for d in (2, 3, 4)]
    faults = {day: {"rebag": {"drop_page": 1, "drop_mode": "short"}} for day in broken_days}
    results = run_days(5, ["rebag"], faults_by_day=faults)  # incomplete days warn; the runs complete
    warnings = [m for m in slack.messages if ":warning:" in m["text"] and "incomplete" in m["text"]]
    assert [r["incomplete"] for r in results if r["incomplete"]] == [{"rebag": r["incomplete"]["rebag"]} for r in results[2:]]
    assert len(warnings) == 3 and all("rebag" in m["text"] for m in warnings)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        complete = dict(connection.execute(
            "select snapshot_date, is_complete from staging.stg_crawl_manifests where marketplace = 'rebag'").fetchall())
        inferred_after_break = connection.execute(
            "select count(*) from marts.dim_listing where marketplace = 'rebag' and sale_evidence like 'inferred%'"
            " and sale_date > ?", [START + timedelta(days=1)]).fetchall()[0][0]
    assert [complete[d] for d in broken_days] == [False, False, False]
    assert inferred_after_break == 0


def test_a_backfill_twice_gives_identical_tables(tmp_path, monkeypatch, no_retries):
    use_data_dir(monkeypatch, tmp_path)
    market = Market(seed=5, start_date=START, scale=0.05)
    end = START + timedelta(days=6)
    with SandboxServer(market, SITES) as sandbox:
        # the sandbox serves the day it is set to: walk it through the range for each backfill
        first = _backfill(sandbox, end)
        tables_once = mart_rows(tmp_path / "warehouse.duckdb")
        second = _backfill(sandbox, end)
        tables_twice = mart_rows(tmp_path / "warehouse.duckdb")
    assert first == second
    assert tables_once.keys() == tables_twice.keys()
    for table in tables_once:
        assert _without_timestamps(tables_once[table]) == _without_timestamps(tables_twice[table]), table


def _backfill(sandbox, end):
    crawled = []
    for offset in range((end - START).days + 1):
        day = START + timedelta(days=offset)
        sandbox.set_day(day)
        crawled.append(daily.backfill(day, day, SITES, sandbox.base_urls, SANDBOX_CRAWL_SETTINGS,
                                      fx_base_url=sandbox.fx_base_url)[0]["crawled"])
    return crawled
