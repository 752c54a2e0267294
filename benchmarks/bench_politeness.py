"""Requests and expected wall time per marketplace-day at Rebag's real size, within the politeness
budget of crawlers/marketplaces.yaml (issue 10).

    .venv/bin/python benchmarks/bench_politeness.py [--scale 12] [--days 3] [--seed 7]   # ~1-2 min

Computed, not crawled: it simulates the sandbox market (sandbox/market.py) at the given scale
for a few days and, per marketplace and day, counts the requests the spiders would make from
the config (collections, shards, page size, the 25,000 cap) and the simulated catalogue:

- walk: robots.txt, one count per collection (and per shard past the cap), one page per 250
  products (Fashionphile: one rendered grid page per 48 cards, plus the product JSON of the
  listings new that day, `enrich=new`);
- end of the walk: every count read again (`expected_count_after`) and 2 pages per detected
  shift (a shift is a listing published ahead of the cursor while the walk runs: the day's
  publications x the walk's share of the day, 0 where the site publishes in one batch before
  dawn, as Rebag does);
- confirmations: one request per listing for sale in the day before's snapshot and gone today
  (sold without staying visible, or withdrawn); listings the site keeps visible as sold are
  observed sales and need none.

Wall time = requests x (download_delay + latency) / concurrency, the way Scrapy paces one slot
(DOWNLOAD_DELAY between requests of a slot, randomised 0.5-1.5x around its mean), with an
assumed latency of 0.5 s per JSON request and 4 s per rendered page (RENDER_SECONDS).
AutoThrottle only ever slows this down.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os

from crawlers.config import load_config
from sandbox.market import DEFAULT_PROFILES, Market
from sandbox.replicas import create_replica, load_builtin_replicas

# The sandbox replicas listen on 127.0.0.1: the one place crawls may reach loopback.
os.environ.setdefault("RADAR_ALLOW_PRIVATE_TARGETS", "true")

START = date(2026, 9, 1)
JSON_SECONDS = 0.5
RENDER_SECONDS = 4.0
GRID_PAGE = 48  # Fashionphile's cards per grid page (the replica's default, as the site shows)


def shopify_walk(market_cfg, replica, states) -> tuple[int, int, int]:
    """(count requests, page requests, products walked) for one Shopify crawl of `states`."""
    sizes: Counter[str] = Counter()
    for state in states:
        sizes["all"] += 1
        for handle in dict.fromkeys(replica.collections_for(state.listing)):
            sizes[handle] += 1
    page, cap = market_cfg.paging.page_size, market_cfg.paging.max_items_per_collection
    counts = pages = walked = 0
    for collection in market_cfg.collections:
        counts += 1
        if sizes[collection] > cap and market_cfg.shards:
            crawled = [s for s in market_cfg.shards if s != collection]
        else:
            crawled = [collection]
        if crawled != [collection]:
            counts += len(crawled)
        for handle in crawled:
            size = min(sizes[handle], cap)
            pages += size // page + 1  # a short or empty page ends each walk
            walked += size
    return counts, pages, walked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=12.0)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    load_builtin_replicas()
    config = load_config()
    began = time.perf_counter()
    market = Market(seed=args.seed, start_date=START, scale=args.scale)
    print(f"market at scale {args.scale:g} built in {time.perf_counter() - began:.0f} s; "
          f"simulated {args.days} days, figures are the mean per day\n")
    header = (f"{'marketplace':<13}{'live':>8}{'counts':>8}{'pages':>7}{'shifts':>7}{'refetch':>8}{'enrich':>7}"
              f"{'confirm':>8}{'total':>7}{'delay s':>8}{'conc':>5}{'walk min':>9}{'confirm min':>12}{'total min':>10}")
    print(header)
    print("-" * len(header))
    days = [START + timedelta(days=n) for n in range(args.days + 1)]
    for key, profile in DEFAULT_PROFILES.items():
        cfg = config.marketplaces[key]
        replica = create_replica(key, profile.currency)
        politeness = cfg.politeness
        totals: Counter[str] = Counter()
        previous = None
        for day in days:
            if day > market.current_day:
                market.advance_to(day)
            states = market.visible(key, day)
            bags = [s for s in states if s.listing.is_bag]
            for_sale = {s.listing.listing_id for s in bags if s.available}
            shown = {s.listing.listing_id for s in bags}
            if previous is None:
                previous = (for_sale, shown)
                continue
            confirmations = len(previous[0] - shown)
            new_today = len(shown - previous[1])
            if cfg.kind == "browser":
                counts, pages, _walked = 0, math.ceil(len(bags) / GRID_PAGE), len(bags)
                walk_seconds = pages * (politeness.download_delay + RENDER_SECONDS)
                enrich = new_today
            else:
                counts, pages, _walked = shopify_walk(cfg, replica, states)
                walk_seconds = (1 + 2 * counts + pages) * (politeness.download_delay + JSON_SECONDS)
                enrich = 0
            share_of_day = walk_seconds / politeness.concurrency / 86_400
            shifts = 0 if profile.batch_publishing else round(new_today * share_of_day)
            refetch = 0 if cfg.kind == "browser" else 2 * shifts  # Fashionphile counts shifts, refetches none
            per_request = politeness.download_delay + (RENDER_SECONDS if cfg.kind == "browser" else JSON_SECONDS)
            totals.update(live=len(states), counts=2 * counts, pages=pages, shifts=shifts, refetch=refetch, enrich=enrich,
                          confirm=confirmations)
            totals["walk_s"] += ((1 + 2 * counts + refetch) * (politeness.download_delay + JSON_SECONDS)
                                 + (pages * per_request) + enrich * (politeness.download_delay + JSON_SECONDS)
                                 ) / politeness.concurrency
            totals["confirm_s"] += confirmations * (politeness.download_delay + JSON_SECONDS) / politeness.concurrency
            previous = (for_sale, shown)
        n = args.days
        total = 1 + (totals["counts"] + totals["pages"] + totals["refetch"] + totals["enrich"] + totals["confirm"]) / n
        print(f"{key:<13}{totals['live'] / n:>8.0f}{totals['counts'] / n:>8.0f}{totals['pages'] / n:>7.0f}"
              f"{totals['shifts'] / n:>7.0f}{totals['refetch'] / n:>8.0f}{totals['enrich'] / n:>7.0f}"
              f"{totals['confirm'] / n:>8.0f}{total:>7.0f}"
              f"{politeness.download_delay:>8g}{politeness.concurrency:>5}{totals['walk_s'] / n / 60:>9.1f}"
              f"{totals['confirm_s'] / n / 60:>12.1f}{(totals['walk_s'] + totals['confirm_s']) / n / 60:>10.1f}")
    print("\ncounts: collection counts read before and after the walk; pages: listing pages walked; "
          "shifts: listings published ahead of the walk's cursor (expected);\n"
          "refetch: pages read again around them; enrich: Fashionphile product JSON of new listings; "
          "confirm: one request per listing for sale yesterday and gone today.")


if __name__ == "__main__":
    main()
