"""Benchmark one marketplace's daily cycle at 50,000 live listings: crawl -> lake -> SQL models.

    .venv/bin/python benchmarks/bench_daily_pipeline.py [--listings 50000] [--days 2]

A Rebag-like market holding the live listings is served by the sandbox; each day is crawled
with `scrapy crawl rebag` (a subprocess, as in production) and transformed on DuckDB. Prints
seconds and peak memory per step (the crawl's from Scrapy's memusage), and checks each day's crawl landed every bag on sale.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.demo import SANDBOX_CRAWL_SETTINGS
from flows.crawling import run_crawl
from radar.lake import Lake
from radar.settings import get_settings
from sandbox.market import DEFAULT_PROFILES, Market
from sandbox.server import SandboxServer

# The sandbox replicas listen on 127.0.0.1: the one place crawls may reach loopback.
os.environ.setdefault("RADAR_ALLOW_PRIVATE_TARGETS", "true")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        os.environ["RADAR_LAKE_URL"] = f"{workdir}/lake"
        os.environ["RADAR_WAREHOUSE_PATH"] = f"{workdir}/warehouse.duckdb"
        get_settings.cache_clear()
        from transformations.runner import run_transformations

        started = time.perf_counter()
        profile = replace(DEFAULT_PROFILES["rebag"], live_listings=args.listings)
        market = Market(seed=7, profiles={"rebag": profile})
        print(f"market: {args.listings} live listings built in {time.perf_counter() - started:.1f} s")
        with SandboxServer(market, ["rebag"]) as sandbox:
            for offset in range(args.days):
                day = market.start_date + timedelta(days=offset)
                sandbox.set_day(day)
                bags = sum(1 for s in market.visible("rebag", day) if s.listing.is_bag)
                crawl_started = time.perf_counter()
                # Scrapy samples its own peak RSS. Launched from this large process, the figure also counts
                # pages the child shared with it before exec: an upper bound (a shell-launched crawl of the
                # same 41,000 bags peaks at about 225 MB).
                memory = {"MEMUSAGE_ENABLED": "True", "MEMUSAGE_CHECK_INTERVAL_SECONDS": "0.5"}
                outcome = run_crawl("rebag", day, sandbox.base_urls["rebag"], {**SANDBOX_CRAWL_SETTINGS, **memory})
                crawl_seconds = time.perf_counter() - crawl_started
                transform_started = time.perf_counter()
                run_transformations(get_settings(), start_date=day, end_date=day)
                transform_seconds = time.perf_counter() - transform_started
                manifest = Lake.from_url(f"{workdir}/lake").read_manifest("rebag", day)
                print(
                    f"{day}: crawl {crawl_seconds:.1f} s ({outcome.item_count} items, {bags} bags on sale, "
                    f"complete={manifest['complete']}, {outcome.item_count / crawl_seconds:.0f} items/s, "
                    f"crawl process peak <= {outcome.peak_memory_mb} MB), transform {transform_seconds:.1f} s"
                )
                assert outcome.item_count == bags, "the crawl missed bags"
        print(f"peak RSS of this process (market, sandbox, DuckDB): {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
