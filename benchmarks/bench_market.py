"""Benchmark the simulated market at 50,000 live listings.

    .venv/bin/python benchmarks/bench_market.py [--listings 50000] [--days 10]

Prints the burn-in time, seconds per simulated day, visible() seconds, truth writing time and
peak RSS. One Rebag-like marketplace is scaled up so it alone holds the live listings.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.market import DEFAULT_PROFILES, Market


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args()

    rebag = DEFAULT_PROFILES["rebag"]
    profile = replace(rebag, live_listings=args.listings)
    build_seconds, market = timed(lambda: Market(seed=7, profiles={"rebag": profile}))
    print(f"burn-in (market construction): {build_seconds:.2f} s, {len(market.visible('rebag'))} visible at start")

    day_seconds, visible_seconds, visible_counts = [], [], []
    for _ in range(args.days):
        next_day = market.current_day + timedelta(days=1)
        day_seconds.append(timed(lambda day=next_day: market.advance_to(day))[0])
        seconds, states = timed(lambda: market.visible("rebag"))
        visible_seconds.append(seconds)
        visible_counts.append(len(states))
    past_seconds = timed(lambda: market.visible("rebag", market.start_date))[0]
    with tempfile.TemporaryDirectory() as truth_dir:
        truth_seconds = timed(lambda: market.write_truth(Path(truth_dir)))[0]

    print(f"visible listings per day: min {min(visible_counts)}, max {max(visible_counts)}")
    print(f"advance one day: mean {statistics.mean(day_seconds):.4f} s, max {max(day_seconds):.4f} s")
    print(f"visible(): mean {statistics.mean(visible_seconds):.4f} s, max {max(visible_seconds):.4f} s")
    print(f"visible() of a past day: {past_seconds:.4f} s")
    print(f"write_truth: {truth_seconds:.2f} s")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
