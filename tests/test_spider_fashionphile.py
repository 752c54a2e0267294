"""The Fashionphile spider against the live local replica (real Chromium through scrapy-playwright).

Each crawl runs in a subprocess (Twisted's reactor cannot restart) with the project settings
(middlewares included), no download delay and no lake writes. Browser tests skip locally when
Chromium is missing and FAIL in CI (CI=true), see tests/conftest_browser.py.
"""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal

import pytest

from sandbox.fixed_market import FixedMarket, sample_states
from sandbox.replicas.fashionphile import FashionphileReplica, fashionphile_condition
from sandbox.server import SandboxServer
from tests.conftest_browser import chromium, run_crawl  # noqa: F401 (fixture)

SPIDER = "crawlers.spiders.fashionphile.FashionphileSpider"
DAY = "2026-09-03"
STATES = sample_states(130)  # 119 bags (3 pages of 48), 11 wallets, 14 sold, markdowns
BAGS = [s for s in STATES if s.listing.is_bag]
SEARCH = "/1/indexes/"  # the in-browser search requests (Faults.only_path)

pytestmark = pytest.mark.browser


def crawl(tmp_path, replica, states=STATES, settings=None, faults=None, **args):
    """Crawl `replica` serving `states` through the sandbox server, with its `faults` set."""
    market = FixedMarket({"fashionphile": states}, day=date.fromisoformat(DAY))
    with SandboxServer(market, replicas={"fashionphile": replica}) as sandbox:
        if faults:
            sandbox.set_faults("fashionphile", **faults)
        items, stats, log = run_crawl(tmp_path, SPIDER, {"base_url": sandbox.base_urls["fashionphile"],
                                                         "snapshot_date": DAY, **args}, settings=settings)
    return items, stats, log, sandbox


def reasons(stats):
    return stats.get("radar/incomplete_reasons") or []


def test_zero_products_without_the_browser(tmp_path):
    """A plain HTTP fetch of the JS-rendered listing sees no products: incomplete, never empty."""
    replica = FashionphileReplica()
    items, stats, _, _ = crawl(tmp_path, replica, render="0")
    assert items == []
    assert stats.get("item_scraped_count", 0) == 0
    assert stats["fashionphile/page_state/not_rendered"] == 1
    assert any("needs the browser" in r for r in reasons(stats)), reasons(stats)
    assert "radar/expected_count" not in stats  # nothing claimed about the catalogue size
    assert not any(k.startswith("playwright/") for k in stats)  # no browser was involved


def test_all_products_with_the_browser(tmp_path, chromium):
    items, stats, log, _ = crawl(tmp_path, FashionphileReplica())
    assert reasons(stats) == [], reasons(stats)
    assert stats["radar/expected_count"] == len(BAGS) == 119
    assert stats["fashionphile/page_state/ok"] == 3  # pagination: 3 pages of 48
    assert stats["fashionphile/handbags/pages"] == 3
    assert stats.get("log_count/ERROR", 0) == 0, log[-3000:]
    by_id = {i["listing_id"]: i for i in items}
    assert len(items) == len(by_id) == len(BAGS)
    assert set(by_id) == {str(s.listing.listing_id) for s in BAGS}  # no wallets: bag collection only
    for state in BAGS:
        item = by_id[str(state.listing.listing_id)]
        assert item["available"] is state.available
        assert Decimal(str(item["price"])) == state.price
        expected_compare = state.compare_at_price if state.compare_at_price and state.compare_at_price > state.price else None
        assert (Decimal(str(item["compare_at_price"])) if item["compare_at_price"] else None) == expected_compare
        assert item["condition_raw"] == fashionphile_condition(state.listing.condition, state.listing.listing_id)
        assert item["brand_raw"] == state.listing.brand
        assert item["currency"] == "USD" and item["snapshot_date"] == DAY
    # browser cost: images, fonts and stylesheets are aborted, never downloaded
    assert stats["playwright/request_count/aborted"] >= stats.get("playwright/request_count/resource_type/image", 0)
    assert "playwright/request_count/resource_type/stylesheet" in stats


def test_sold_out_badge_becomes_available_false(tmp_path, chromium):
    items, _stats, _, _ = crawl(tmp_path, FashionphileReplica())
    sold = {i["listing_id"] for i in items if i["available"] is False}
    assert sold == {str(s.listing.listing_id) for s in BAGS if not s.available}
    assert len(sold) >= 10


def test_pagination_reaches_every_page_with_small_pages(tmp_path, chromium):
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(hits_per_page=20))
    assert reasons(stats) == []
    assert stats["fashionphile/page_state/ok"] == 6  # ceil(119 / 20)
    assert len(items) == len(BAGS)


def test_empty_catalogue_is_complete_and_empty(tmp_path, chromium):
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(), states=[])
    assert items == []
    assert stats["fashionphile/page_state/no_results"] == 1
    assert stats["radar/expected_count"] == 0
    assert reasons(stats) == []


def test_a_failing_results_page_marks_the_snapshot_incomplete(tmp_path, chromium):
    # every search request of results page 2 answers 500
    faults = {"status_sequence": [500] * 20, "only_path": SEARCH, "only_page": 2}
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(), faults=faults, max_render_attempts="2")
    assert len(items) == len(BAGS) - 48
    assert stats["fashionphile/render_retries"] == 1
    assert any("page 2" in r and "search request failed" in r for r in reasons(stats)), reasons(stats)
    assert any("collected 71 of 119" in r for r in reasons(stats)), reasons(stats)


def test_challenge_page_is_blocked_not_empty(tmp_path, chromium):
    faults = {"challenge": "cloudflare", "challenge_status": 403}
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(), faults=faults)
    assert items == []
    assert stats.get("radar/blocked_count", 0) >= 1
    assert reasons(stats) and any("blocked" in r for r in reasons(stats)), reasons(stats)


def test_challenge_served_with_200_is_blocked(tmp_path, chromium):
    faults = {"challenge": "cloudflare", "challenge_status": 200}
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(), faults=faults)
    assert items == []
    assert stats.get("radar/blocked_count", 0) >= 1
    assert any("blocked" in r for r in reasons(stats)), reasons(stats)


def test_rate_limited_search_is_incomplete(tmp_path, chromium):
    faults = {"status_sequence": [429] * 20, "retry_after": 1, "only_path": SEARCH}  # every search request
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(), faults=faults, max_render_attempts="2")
    assert items == []
    assert any("search request failed" in r for r in reasons(stats)), reasons(stats)


def test_enrich_adds_product_json_fields_without_the_browser(tmp_path, chromium):
    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(hits_per_page=100), enrich="1")
    assert reasons(stats) == []
    assert len(items) == len(BAGS)
    assert all(i["published_at"] and i["variant_id"] and i["product_type"] for i in items)
    # product JSON came over plain HTTP: the browser navigated only to the 2 listing pages
    assert stats["playwright/request_count/navigation"] == 2
    assert stats["downloader/response_status_count/200"] >= len(BAGS) + 2


def test_by_default_only_listings_new_to_the_lake_fetch_their_product_json(tmp_path, chromium):
    from datetime import datetime

    from radar.items import ListingItem
    from radar.lake import Lake, listings_to_table, publish_partition

    already_known = BAGS[: len(BAGS) // 2]
    yesterday = date(2026, 9, 2)
    known_items = [
        ListingItem(marketplace="fashionphile", listing_id=str(s.listing.listing_id), snapshot_date=yesterday,
                    url="u", title="t", brand_raw=None, model_raw=None, size_raw=None, color_raw=None,
                    material_raw=None, condition_raw=None, price=s.price, currency="USD", compare_at_price=None,
                    available=True, published_at=datetime(2026, 8, 1, tzinfo=UTC), estimated_retail_price=None)
        for s in already_known
    ]
    lake = Lake.from_url(str(tmp_path / "lake"))
    publish_partition(lake, "fashionphile", yesterday, listings_to_table(known_items),
                      {"complete": True, "item_count": len(known_items)})

    items, stats, _, _ = crawl(tmp_path, FashionphileReplica(hits_per_page=100))
    assert reasons(stats) == [] and len(items) == len(BAGS)
    enriched = {i["listing_id"] for i in items if i["variant_id"]}
    assert enriched == {str(s.listing.listing_id) for s in BAGS[len(BAGS) // 2:]}
    assert all(i["published_at"] for i in items if i["listing_id"] in enriched)


def test_sandbox_server_with_the_market(tmp_path, chromium):
    """End to end on the simulated market: one item per bag the sandbox shows that day."""
    Market = pytest.importorskip("sandbox.market").Market
    SandboxServer = pytest.importorskip("sandbox.server").SandboxServer
    market = Market(seed=7, start_date=date(2026, 8, 1), scale=0.1)
    day = date(2026, 8, 3)
    with SandboxServer(market, ["fashionphile"]) as sandbox:
        sandbox.set_day(day)
        visible = [s for s in market.visible("fashionphile", day) if s.listing.is_bag]
        items, stats, _ = run_crawl(tmp_path, SPIDER, {"base_url": sandbox.base_urls["fashionphile"],
                                                       "snapshot_date": day.isoformat()})
    assert reasons(stats) == []
    assert stats["radar/expected_count"] == len(visible) > 0
    assert {i["listing_id"] for i in items} == {str(s.listing.listing_id) for s in visible}
    assert sum(not i["available"] for i in items) == sum(not s.available for s in visible)


@pytest.fixture(scope="module")
def sandbox_market():
    Market = pytest.importorskip("sandbox.market").Market
    market = Market(seed=11, start_date=date(2026, 8, 1), scale=0.05)
    market.advance_to(date(2026, 8, 2))
    return market


@pytest.mark.parametrize("statuses", [[429], [500, 503]])
def test_sandbox_server_errors_are_retried_to_a_complete_snapshot(tmp_path, chromium, sandbox_market, statuses):
    SandboxServer = pytest.importorskip("sandbox.server").SandboxServer
    day = date(2026, 8, 2)
    with SandboxServer(sandbox_market, ["fashionphile"]) as sandbox:
        sandbox.set_day(day)
        bags = [s for s in sandbox_market.visible("fashionphile", day) if s.listing.is_bag]
        sandbox.set_faults("fashionphile", status_sequence=list(statuses), retry_after=1)
        items, stats, _ = run_crawl(tmp_path, SPIDER, {"base_url": sandbox.base_urls["fashionphile"],
                                                       "snapshot_date": day.isoformat()},
                                    settings={"RETRY_TIMES": 3})
    assert reasons(stats) == []
    assert len(items) == len(bags) == stats["radar/expected_count"]


def test_sandbox_server_challenge_is_blocked(tmp_path, chromium, sandbox_market):
    SandboxServer = pytest.importorskip("sandbox.server").SandboxServer
    day = date(2026, 8, 2)
    with SandboxServer(sandbox_market, ["fashionphile"]) as sandbox:
        sandbox.set_day(day)
        sandbox.set_faults("fashionphile", challenge="cloudflare", challenge_status=200)
        items, stats, _ = run_crawl(tmp_path, SPIDER, {"base_url": sandbox.base_urls["fashionphile"],
                                                       "snapshot_date": day.isoformat()})
    assert items == []
    assert stats.get("radar/blocked_count", 0) >= 1
    assert any("blocked" in r for r in reasons(stats)), reasons(stats)
