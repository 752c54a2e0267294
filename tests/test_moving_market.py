"""The market moves while it is crawled (issue 10): the sandbox side, then the acceptance test.

The server tests use no spider: they page a moving replica by hand and check what a crawl of a
live site meets (a listing seen twice across a page boundary, one never seen, the next day's
events early) and that the next day is still served whole. The acceptance test crawls a moving
market for a week through the real spiders and the daily flow, and checks that no listing that
stayed on sale is ever sold or withdrawn in marts.dim_listing.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import date, timedelta

import duckdb
import pyarrow.parquet as pq
import pytest

from sandbox.market import Market
from sandbox.server import SECONDS_PER_REQUEST, SandboxServer

START = date(2026, 9, 1)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def page_through(base_url: str, path: str = "/products.json", limit: int = 30) -> list[dict]:
    products, page = [], 1
    while True:
        batch = get_json(f"{base_url}{path}?limit={limit}&page={page}")["products"]
        if not batch:
            return products
        products += batch
        page += 1


def served(market: Market, marketplace: str, day: date) -> set[int]:
    return {s.listing.listing_id for s in market.visible(marketplace, day)}


@pytest.fixture(scope="module")
def small_market() -> Market:
    return Market(seed=7, start_date=START, scale=0.1)


def test_a_still_sandbox_serves_the_day_unchanged(small_market):
    with SandboxServer(small_market, ["rebag"]) as sandbox:  # moving=False is the server's default
        sandbox.set_day(START + timedelta(days=1))
        ids = [p["id"] for p in page_through(sandbox.base_urls["rebag"])]
        assert sorted(ids) == sorted(served(small_market, "rebag", START + timedelta(days=1)))
        assert sandbox.served_events() == [] and sandbox.clock("rebag") == 0.0


def test_paging_a_moving_shopify_site_meets_shifts_and_the_next_days_events():
    market = Market(seed=7, start_date=START, scale=0.1)
    day = START + timedelta(days=2)
    with SandboxServer(market, ["rebag", "dct"], moving=True, seconds_per_request=3600.0) as sandbox:
        sandbox.set_day(day)
        ids = [p["id"] for p in page_through(sandbox.base_urls["rebag"])]
        today = served(market, "rebag", day)
        counts = sandbox.moving_counts("rebag")
        assert counts.get("published", 0) > 0 and counts.get("ended", 0) > 0, counts
        assert len(ids) > len(set(ids))  # a new listing on top pushed one onto the next page: seen twice
        assert sandbox.clock("rebag") == 3600.0 * len(sandbox.requests("rebag"))
        assert sandbox.clock("dct") == 0.0  # each marketplace has its own clock
        assert market.current_day == day  # the market itself stays on the day served

        # The next day is served whole (the end of day + 1), whatever a crawl saw early; its clock restarts.
        sandbox.set_day(day + timedelta(days=1))
        tomorrow = served(market, "rebag", day + timedelta(days=1))
        count = get_json(f"{sandbox.base_urls['rebag']}/collections/all.json")["collection"]["products_count"]
        assert count == len(tomorrow)
        assert sandbox.clock("rebag") == 3600.0
    never_seen = (today & tomorrow) - set(ids)  # on sale all along, pulled back onto a page already read
    assert never_seen, "a sale or withdrawal on an earlier page hid a listing that never left"


def test_every_served_early_event_keeps_its_true_day_in_the_truth(tmp_path):
    market = Market(seed=3, start_date=START, scale=0.1)
    with SandboxServer(market, ["rebag"], moving=True, seconds_per_request=7200.0) as sandbox:
        sandbox.set_day(START + timedelta(days=1))
        while sandbox.clock("rebag") < 86_400:  # the whole next day served early
            page_through(sandbox.base_urls["rebag"], "/products.json", limit=10)
        early = sandbox.served_events("rebag")
    assert any(e.kind == "ended" for e in early)
    market.write_truth(tmp_path)
    episodes = pq.read_table(tmp_path / "episodes.parquet").to_pylist()
    ends = {(r["listing_id"], r["end_date"]) for r in episodes}
    listed = {r["listing_id"]: r["listed_date"] for r in pq.read_table(tmp_path / "listings.parquet").to_pylist()}
    truth_day = START + timedelta(days=1)
    for event in early:
        assert event.event_day == START + timedelta(days=2)
        # written as of the day served: the early end or listing is not in the truth yet
        assert (str(event.listing_id), event.event_day) not in ends
        if event.kind == "published":
            assert str(event.listing_id) not in listed
    assert max(listed.values()) == truth_day


def test_the_default_pace_is_the_configured_politeness():
    from cli.demo import crawl_pace
    from crawlers.config import get_marketplace

    pace = crawl_pace(["rebag", "fashionphile", "dct"])
    assert pace["rebag"] == get_marketplace("rebag").politeness.download_delay
    assert pace["fashionphile"] == 5.0 and SECONDS_PER_REQUEST == 3.0


def test_a_moving_fashionphile_search_moves_with_the_clock():
    from sandbox.replicas.fashionphile import INDEX_NAME

    market = Market(seed=7, start_date=START, scale=0.05)
    day = START + timedelta(days=1)
    with SandboxServer(market, ["fashionphile"], moving=True, seconds_per_request=30_000.0) as sandbox:
        sandbox.set_day(day)
        search = f"{sandbox.base_urls['fashionphile']}/1/indexes/{INDEX_NAME}/query?page=0&hitsPerPage=100"

        def shown() -> set[int]:
            hits, page = set(), 0
            while True:
                body = get_json(search.replace("page=0", f"page={page}"))
                hits |= {int(h["product_id"]) for h in body["hits"]}
                page += 1
                if page >= body["nbPages"]:
                    return hits

        assert shown() == served(market, "fashionphile", day)  # one page of hits, read at the clock's 0
        assert sandbox.clock("fashionphile") == 30_000.0
        while sandbox.clock("fashionphile") < 86_400:
            get_json(search)
        last = shown()
        kinds = sandbox.moving_counts("fashionphile")
        assert kinds.get("sold", 0) > 0 and kinds.get("published", 0) > 0, kinds  # sold items stay, badged
    market.advance_to(day + timedelta(days=1))
    assert last == served(market, "fashionphile", day + timedelta(days=1))  # every event of day + 1 applied


# ---- the acceptance test: a week of crawls of a moving market -------------------------------
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_no_listing_that_stayed_on_sale_is_ever_ended_in_the_marts(tmp_path, monkeypatch):
    from cli.demo import SANDBOX_CRAWL_SETTINGS
    from evaluation.scoring import score
    from flows import daily
    from radar.settings import get_settings
    from sandbox.truth import write_served_early

    monkeypatch.setenv("RADAR_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("RADAR_ENGINE", "duckdb")
    get_settings.cache_clear()
    monkeypatch.setattr(daily, "transform", daily.transform.with_options(retries=0))
    sites, days = ["rebag", "vsp", "dct"], 7
    market = Market(seed=5, start_date=START, scale=0.15)
    # Rebag: 20 virtual minutes per request, so its crawl of a few pages, counts and checks spans
    # a good part of the next day; VSP and DCT fit one page, so a few requests cover the whole day.
    pace = {"rebag": 1200.0, "vsp": 30_000.0, "dct": 30_000.0}
    with SandboxServer(market, sites, moving=True, seconds_per_request=pace) as sandbox:
        for offset in range(days):
            day = START + timedelta(days=offset)
            sandbox.set_day(day)
            daily.daily_market_snapshot(day, sites, sandbox.base_urls, SANDBOX_CRAWL_SETTINGS, crawl_retries=0,
                                        fx_base_url=sandbox.fx_base_url)
        early = sandbox.served_events()
    market.write_truth(tmp_path / "truth")
    write_served_early(early, tmp_path / "truth")

    # The market did move under the crawls: every site met the next day's listings and ends early.
    for site in sites:
        kinds = {e.kind for e in early if e.marketplace == site}
        assert {"published", "ended"} <= kinds, (site, kinds)
    assert sum(1 for e in early if e.marketplace == "rebag" and e.kind in ("published", "ended")) >= 30

    truth = pq.read_table(tmp_path / "truth/episodes.parquet").to_pylist()
    still_on_sale = {}  # listed before the last day, one time on sale, never ended: on sale throughout
    for row in truth:
        still_on_sale.setdefault((row["marketplace"], row["listing_id"]), []).append(row)
    still_on_sale = {key for key, rows in still_on_sale.items() if len(rows) == 1 and rows[0]["end_date"] is None}
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        ended = connection.execute(
            "select marketplace, listing_id, status, status_rule, last_seen_date from marts.dim_listing "
            "where status in ('sold', 'withdrawn')").fetchall()
    assert ended, "sales were inferred at all"
    wrongly_ended = [row for row in ended if (row[0], row[1]) in still_on_sale]
    assert wrongly_ended == []

    report = score(tmp_path)
    for m in report.marketplaces:
        assert m.false_sales_from_shifts == 0 and m.false_withdrawals_from_shifts == 0, (m.marketplace, m.false_end_examples)
        assert m.events_served_early == sum(1 for e in early if e.marketplace == m.marketplace) > 0
        assert None not in m.crawl_counts.values(), m.crawl_counts  # the manifests carry the crawls' counts
    rebag = next(m for m in report.marketplaces if m.marketplace == "rebag")
    assert rebag.crawl_counts["disappearances_confirmed"] + rebag.crawl_counts["listings_recovered"] > 0
