"""The sandbox market's bags written straight into a lake, as a crawler would record them, with
no HTTP, replicas or spiders.

For the transformations and the scorer on markets too large to crawl through the replicas in a
test or a benchmark (Rebag's real size is scale 12, and its browser-rendered Fashionphile grid
alone would take hours a day there). The crawl itself is tested against the replicas; this
keeps what a crawler sees (visible listings, the `available` flag, prices, published dates)
and shortens the titles to "style size model colour".
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from crawlers.ecb_rates import write_rates
from crawlers.parsers.ecb import HIST_90D_XML, parse_xml
from radar.lake import Lake, listings_to_table, publish_partition
from sandbox.ecb_feed import feed_file
from sandbox.market import Market

GRADES = {
    "rebag": {"NEW": "Pristine", "EXCELLENT": "Excellent", "VERY_GOOD": "Very Good", "GOOD": "Good", "FAIR": "Fair"},
    "fashionphile": {"NEW": "New", "EXCELLENT": "Excellent", "VERY_GOOD": "Excellent", "GOOD": "Shows Wear",
                     "FAIR": "Worn"},
}


def _market_item(state, marketplace: str, currency: str) -> dict[str, Any]:
    lst = state.listing
    grade = GRADES.get(marketplace, {}).get(lst.condition, lst.condition.replace("_", " ").title())
    return {
        "listing_id": str(lst.listing_id),
        "url": f"https://example.test/{marketplace}/{lst.listing_id}",
        "title": " ".join(p for p in (lst.style, lst.size, lst.model, lst.color) if p),
        "brand_raw": lst.brand,
        "size_raw": lst.size,
        "material_raw": lst.material,
        "condition_raw": grade,
        "price": state.price,
        "currency": currency,
        "compare_at_price": state.compare_at_price,
        "available": state.available,
        "published_at": lst.published_at,
        "estimated_retail_price": lst.retail_price_usd if lst.show_retail else None,
        "sku": lst.sku,
        "product_type": lst.category,
    }


def write_market_lake(data_dir: Path, days: int, *, seed: int = 7, start: date = date(2026, 9, 1),
                      scale: float = 0.1, incomplete: dict[tuple[str, date], float] | None = None) -> Market:
    """The sandbox market's bags, day by day, straight into DIR/lake; truth into DIR/truth.
    incomplete: {(marketplace, day): share dropped} -> that snapshot misses a share of its
    listings and its manifest says incomplete."""
    market = Market(seed=seed, start_date=start, scale=scale)
    incomplete = incomplete or {}
    for offset in range(days):
        day = start + timedelta(days=offset)
        market.advance_to(day)
        for key, profile in market.profiles.items():
            states = [s for s in market.visible(key, day) if s.listing.is_bag]
            drop = incomplete.get((key, day))
            if drop:
                states = states[: int(len(states) * (1 - drop))]
            items = [_market_item(s, key, profile.currency) for s in states]
            manifest = {"item_count": len(items), "expected_count": len(items), "complete": not drop,
                        "finish_reason": "finished", "incomplete_reasons": ["dropped pages"] if drop else []}
            publish_partition(Lake.from_url(str(data_dir / "lake")), key, day, listings_to_table(items), manifest)
        # the day's ECB rates, as the daily flow fetches them from the sandbox's feed
        feed = feed_file(market, HIST_90D_XML, day)
        assert feed is not None, HIST_90D_XML  # a file the feed always has
        rates = parse_xml(feed)
        write_rates(Lake.from_url(str(data_dir / "lake")), day, "hist-90d", rates, f"sandbox:{HIST_90D_XML}")
    market.write_truth(data_dir / "truth")
    return market
