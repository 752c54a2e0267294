"""A site that moves while it is paged (issue 10): completeness counts unique products, a repeat
on a later page is a detected shift, and a hole is made whole (a confirmed, recovered listing)
or marked incomplete, never complete.

The sandbox's `shift` fault (sandbox/server.py Faults) serves a collection the way a live
Shopify store does when a listing is published at the top while page 1 is read and another is
sold behind the cursor: from page N on, each page starts with the last item of the page before,
and the collection's last listing never shows (products_count still counts it; its own page
still answers). A shop whose catalogue changes once page 1 was read is a FixedShopifyStore with
`after_first_page`, behind the same sandbox server. Crawls run in a subprocess
(tests/conftest_browser.run_crawl; no browser).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml

from radar.lake import Lake
from sandbox.fixed_market import FixedMarket
from sandbox.market import Market
from sandbox.replicas.fixed_store import FixedShopifyStore
from sandbox.server import SandboxServer
from tests.conftest_browser import run_crawl

ROOT = Path(__file__).resolve().parent.parent
REBAG = "crawlers.spiders.rebag.RebagSpider"
WRITE_LAKE = {"crawlers.pipelines.ValidateListingPipeline": 100, "crawlers.pipelines.LakeWriterPipeline": 900}
DAY = date(2026, 9, 1)


def small_pages_config(tmp_path: Path, page_size: int = 50) -> Path:
    raw = yaml.safe_load((ROOT / "crawlers" / "marketplaces.yaml").read_text())
    raw["defaults"]["paging"] = {"page_size": page_size, "max_items_per_collection": 25000}
    path = tmp_path / "marketplaces.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


def crawl_rebag(tmp_path: Path, base_url: str, snapshot_date: date, config: Path, lake: bool = True):
    settings = {"RADAR_MARKETPLACES_CONFIG": str(config), "RETRY_TIMES": 1}
    if lake:
        settings["ITEM_PIPELINES"] = WRITE_LAKE
    return run_crawl(tmp_path, REBAG, {"base_url": base_url, "snapshot_date": snapshot_date.isoformat()}, settings)


def reasons(stats: dict) -> list[str]:
    return list(stats.get("radar/incomplete_reasons") or [])


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(seed=11, start_date=DAY, scale=0.05)


def all_bags(market: Market) -> list[str]:
    """The all-bags collection in the served order (newest published first)."""
    states = sorted((s for s in market.visible("rebag", DAY) if s.listing.is_bag),
                    key=lambda s: (s.listing.published_at, s.listing.listing_id), reverse=True)
    return [str(s.listing.listing_id) for s in states]


# ---------------------------------------------------------------- the fault itself


def test_the_shift_fault_repeats_a_boundary_item_and_hides_the_last_listing(market):
    order = all_bags(market)
    assert len(order) > 100  # three pages of 50
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_faults("rebag", shift=2)
        base = sandbox.base_urls["rebag"] + "/collections/all-bags/products.json?limit=50&page="
        pages = [[str(p["id"]) for p in get_json(base + str(n))["products"]] for n in range(1, 5)]
        count = get_json(sandbox.base_urls["rebag"] + "/collections/all-bags.json")["collection"]["products_count"]
    assert pages[0] == order[:50]
    assert pages[1][0] == pages[0][-1]  # page 2 repeats the last item of page 1
    walked = [listing for page in pages for listing in page]
    assert order[-1] not in walked  # the last listing never shows
    assert set(walked) == set(order[:-1])
    assert count == len(order)  # the count still says every listing


# ---------------------------------------------------------------- the crawl


def test_a_shifted_boundary_without_history_is_marked_incomplete_never_complete(tmp_path, market):
    order = all_bags(market)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_faults("rebag", shift=2)
        items, stats, _ = crawl_rebag(tmp_path, sandbox.base_urls["rebag"], DAY, small_pages_config(tmp_path))
    ids = [item["listing_id"] for item in items]
    assert len(ids) == len(set(ids)) == len(order) - 1  # the repeat is not a second item
    assert stats["radar/shifts_detected"] == 1
    assert stats["radar/pages_refetched"] == 2  # the pages on either side of the shift, read again
    assert stats["radar/received_count"] == len(order) - 1  # unique products, never the repeat twice
    assert stats["radar/expected_count"] == stats["radar/expected_count_after"] == len(order)
    assert stats["radar/confirmations_requested"] == 0  # no complete snapshot before: nothing to confirm
    assert any(f"received {len(order) - 1} of {len(order)}" in r for r in reasons(stats)), reasons(stats)
    manifest = Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", DAY)
    assert manifest["complete"] is False
    assert manifest["shifts_detected"] == 1 and manifest["expected_count_after"] == len(order)


def test_a_shifted_boundary_is_made_whole_by_confirming_the_listing_it_hid(tmp_path, market):
    """Day 1 crawled whole; day 2 the walk never shows the last listing: its own page says it
    is still listed, so it joins day 2 as recovered and the snapshot is complete (never a sale)."""
    order = all_bags(market)
    config = small_pages_config(tmp_path)
    with SandboxServer(market, ["rebag"]) as sandbox:
        before, stats1, _ = crawl_rebag(tmp_path, sandbox.base_urls["rebag"], DAY, config)
        assert reasons(stats1) == [] and len(before) == len(order)
        sandbox.set_faults("rebag", shift=2)
        after, stats2, _ = crawl_rebag(tmp_path, sandbox.base_urls["rebag"], date(2026, 9, 2), config)
        js_requests = [path for path, _ in sandbox.requests("rebag") if path.endswith(".js")]
    assert reasons(stats2) == []
    assert stats2["radar/shifts_detected"] == 1
    assert stats2["radar/confirmations_requested"] == stats2["radar/listings_recovered"] == 1
    assert len(js_requests) == 1  # one polite request, to the hidden listing's own page
    assert sorted(i["listing_id"] for i in after) == sorted(order)
    recovered = [i for i in after if i["raw_attributes"].get("recovered") == "true"]
    assert [i["listing_id"] for i in recovered] == [order[-1]]
    # the recovered item is the same listing as the walk would have given, parsed from the .js shape
    walked = next(i for i in before if i["listing_id"] == order[-1])
    for field in ("title", "brand_raw", "model_raw", "condition_raw", "color_raw", "price", "compare_at_price",
                  "available", "published_at", "variant_id", "sku", "url"):
        assert recovered[0][field] == walked[field], field
    manifest = Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", date(2026, 9, 2))
    assert manifest["complete"] is True and manifest["listings_recovered"] == 1 and manifest["item_count"] == len(order)


# ---------------------------------------------------------------- a duplicate alone


def moving_shop(after: Callable[[list[dict]], list[dict]] | None = None, count_after: int | None = None) -> FixedShopifyStore:
    """25 products in pages of 10. Once page 1 was read the shop serves `after(before)` (default:
    a product published at the top, which pushes the last item of page 1 onto page 2: seen twice,
    nothing lost); `count_after` is products_count then, when it counts a product not served."""

    def product(pid: int) -> dict:
        return {"id": 9_100_000_000_000 + pid, "title": f"Classic Flap Bag {pid}", "handle": f"bag-{pid}",
                "body_html": "<p>Condition: Excellent.</p>", "published_at": "2026-08-15T03:55:12-04:00",
                "vendor": "Chanel", "product_type": "Shoulder bags",
                "tags": ["item-type-handbag", "bc-filter-Excellent", "meta-model-classic-flap"],
                "variants": [{"id": 47_000_000_000_000 + pid, "price": "1000.00", "compare_at_price": None,
                              "available": True, "option1": "x", "option2": "black", "sku": f"{pid}/1"}]}

    before = [product(pid) for pid in range(25, 0, -1)]
    moved = after(before) if after else [product(26), *before]  # published while page 1 was being read
    return FixedShopifyStore({"all-bags": before}, after_first_page={"all-bags": moved},
                             counts_after={"all-bags": count_after} if count_after is not None else None)


def crawl_the_shop(tmp_path: Path, shop: FixedShopifyStore):
    with SandboxServer(FixedMarket(), replicas={"rebag": shop}) as sandbox:
        return crawl_rebag(tmp_path, sandbox.base_urls["rebag"], DAY, small_pages_config(tmp_path, page_size=10),
                           lake=False)


def test_a_duplicate_never_counts_twice(tmp_path):
    items, stats, _ = crawl_the_shop(tmp_path, moving_shop())
    ids = [i["listing_id"] for i in items]
    assert len(ids) == len(set(ids)) == 26  # one item per product, the repeat not twice
    assert stats["radar/shifts_detected"] == 1
    # page 1 read again around the shift found the product published at the top meanwhile
    assert stats["radar/pages_refetched"] == 2 and "9100000000026" in ids
    assert stats["radar/received_count"] == 26  # 36 products read (26 walking, 10 again), 26 unique
    assert stats["radar/expected_count"] == 25 and stats["radar/expected_count_after"] == 26
    assert reasons(stats) == []


def test_a_hole_beyond_the_churn_between_the_two_counts_is_incomplete(tmp_path):
    """A product sold on page 1 after it was read moves product 15 back onto page 1: the walk never
    sees it. The count falls by one (24 after) for the sale, but the walk has only 23 unique
    products (15 lost, 5 hidden): more missing than the churn between the counts -> incomplete."""
    # 25 (read) sold; 5 hidden below; the site still counts product 5
    shop = moving_shop(after=lambda before: [p for p in before if p["id"] % 100 not in (25, 5)], count_after=24)
    items, stats, _ = crawl_the_shop(tmp_path, shop)
    assert len(items) == 23 and stats["radar/expected_count_after"] == 24
    assert any("received 23 of 24" in r for r in reasons(stats)), reasons(stats)
