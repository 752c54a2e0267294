"""Benchmark a moving sandbox at Rebag's real size (scale 12, about 50,000 listings).

    .venv/bin/python benchmarks/bench_moving_market.py [--scale 12] [--pace 2 600]

Pages through Rebag's /products.json (limit 250, up to Shopify's 25,000-product paging cap:
100 pages) on a still server and on moving ones at each pace (virtual seconds per request), and
prints per pace: requests, the next day's events applied during them, wall seconds per request
(mean and max), and the products seen twice.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os

from sandbox.market import DEFAULT_PROFILES, Market
from sandbox.server import SandboxServer

# The sandbox replicas listen on 127.0.0.1: the one place crawls may reach loopback.
os.environ.setdefault("RADAR_ALLOW_PRIVATE_TARGETS", "true")

START = date(2026, 9, 1)


def crawl(base_url: str) -> tuple[list[int], list[float]]:
    ids, seconds, page = [], [], 1
    while page * 250 <= 25_000:
        began = time.perf_counter()
        with urllib.request.urlopen(f"{base_url}/products.json?limit=250&page={page}", timeout=120) as response:
            batch = json.load(response)["products"]
        seconds.append(time.perf_counter() - began)
        if not batch:
            break
        ids += [p["id"] for p in batch]
        page += 1
    return ids, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=12.0)
    parser.add_argument("--pace", type=float, nargs="*", default=[2.0, 600.0])
    args = parser.parse_args()
    began = time.perf_counter()
    market = Market(seed=7, start_date=START, scale=args.scale, profiles={"rebag": DEFAULT_PROFILES["rebag"]})
    print(f"market built in {time.perf_counter() - began:.1f} s")
    for offset, pace in enumerate([None, *args.pace]):
        day = START + timedelta(days=offset + 1)
        with SandboxServer(market, ["rebag"], moving=pace is not None, seconds_per_request=pace or 0.0) as sandbox:
            sandbox.set_day(day)
            ids, seconds = crawl(sandbox.base_urls["rebag"])
            applied = len(sandbox.served_events("rebag"))
        label = "still" if pace is None else f"{pace:g} s/request"
        print(f"{label:>16}: {len(seconds)} requests, {applied} events applied, "
              f"{sum(seconds) / len(seconds):.3f} s/request mean, {max(seconds):.3f} max; "
              f"{len(ids) - len(set(ids))} seen twice")


if __name__ == "__main__":
    main()
