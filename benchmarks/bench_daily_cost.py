"""What the daily run costs as history grows (issue 13: the daily cost should be O(day)).

    .venv/bin/python benchmarks/bench_daily_cost.py [--scale 1] [--days 30 120] [--seed 7] [--data-dir DIR]
    .venv/bin/python benchmarks/bench_daily_cost.py --days 30 365 --scale 12      # the issue's targets

Writes the sandbox market straight into one lake (sandbox/direct_lake.py, as
bench_scoring_at_scale.py does) for the longest history asked for. For each history length N it
links the first N-1 days into a lake of their own, builds it in full (the full-rebuild
throughput, listing-days a minute, and the transformation's peak memory), then adds day N and
runs the daily flow's transform of that day (start = end = day N; --repeat times, the
fastest run of each model counts, as the machine is shared). It prints each model's time in
the daily runs side by side with their ratio, and the whole daily run's.

Each build runs in a process of its own, so its peak RSS is the transformation's alone (the
market's generation is not counted). Targets (issue 13): daily run at day 365 over day 30 at
1.5x or less; 5 M listing-days a minute or more; 4 GB or less at scale 12 x 365 days.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.lake import FX_RATES_DIR, LISTINGS_DIR, MANIFESTS_DIR

START = date(2026, 9, 1)


def _build(lake: str, warehouse: str, day: str | None) -> dict:
    """One transformation run in this (child) process: seconds, per-model seconds, peak RSS."""
    from radar.settings import RadarSettings
    from transformations.runner import run_transformations

    settings = RadarSettings(lake_url=lake, warehouse_path=warehouse)
    started = time.perf_counter()
    if day is None:
        result = run_transformations(settings)
    else:
        result = run_transformations(settings, start_date=date.fromisoformat(day), end_date=date.fromisoformat(day))
    seconds = time.perf_counter() - started
    if result.documentation_problems:
        raise SystemExit(f"undocumented columns: {result.documentation_problems}")
    rows = {m.name: m.row_count for m in result.models}
    return {
        "seconds": seconds,
        "models": {m.name: (m.materialized, m.seconds) for m in result.models},
        "rows": rows,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_child(*args) -> dict:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_build, args)


def link_days(source: Path, target: Path, last_day: date) -> None:
    """Hard-link the lake's partitions up to last_day (listings, manifests, fx fetches) into target."""
    for top, key in ((LISTINGS_DIR, "snapshot_date="), (MANIFESTS_DIR, "snapshot_date="), (FX_RATES_DIR, "fetch_date=")):
        for directory, _, files in os.walk(source / top):
            parts = [p for p in Path(directory).relative_to(source).parts if p.startswith(key)]
            if not parts or date.fromisoformat(parts[0].removeprefix(key)) > last_day:
                continue
            destination = target / Path(directory).relative_to(source)
            destination.mkdir(parents=True, exist_ok=True)
            for name in files:
                if not (destination / name).exists():
                    os.link(Path(directory) / name, destination / name)


def measure(lake_dir: Path, work: Path, days: int, repeat: int) -> dict:
    """Full build of days 1..days-1, then the daily run of day `days`, `repeat` times (a rerun of
    a day replaces it: the same work); each model's fastest run is kept (the machine is shared)."""
    lake = work / f"lake-{days}"
    warehouse = work / f"warehouse-{days}.duckdb"
    last = START + timedelta(days=days - 1)
    shutil.rmtree(lake, ignore_errors=True)  # a kept --data-dir: start from the lake of days-1 days again
    warehouse.unlink(missing_ok=True)
    link_days(lake_dir, lake, last - timedelta(days=1))
    full = in_child(str(lake), str(warehouse), None)
    link_days(lake_dir, lake, last)
    runs = [in_child(str(lake), str(warehouse), last.isoformat()) for _ in range(repeat)]
    daily = {
        "seconds": min(r["seconds"] for r in runs),
        "models": {name: min((r["models"][name] for r in runs), key=lambda kind_seconds: kind_seconds[1])
                   for name in runs[0]["models"]},
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }
    listing_days = full["rows"].get("intermediate.int_listing_days") or 0
    return {"days": days, "full": full, "daily": daily, "listing_days": listing_days}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, nargs=2, default=[30, 120], metavar=("SHORT", "LONG"),
                        help="the two history lengths (default 30 120; the issue's target is 30 365)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="daily runs of the last day; the fastest counts")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep (or reuse) the lake and warehouses here")
    args = parser.parse_args()
    short, long = sorted(args.days)

    with tempfile.TemporaryDirectory() as scratch:
        work = args.data_dir or Path(scratch)
        source = work / "market"
        marker = source / f".written-{long}-days-scale-{args.scale:g}-seed-{args.seed}"
        started = time.perf_counter()
        if not marker.exists():
            from sandbox.direct_lake import write_market_lake

            write_market_lake(source, long, seed=args.seed, start=START, scale=args.scale)
            marker.touch()
        print(f"scale {args.scale:g}, seed {args.seed}: market + lake of {long} days in "
              f"{time.perf_counter() - started:.0f} s", flush=True)

        runs = [measure(source / "lake", work, n, args.repeat) for n in (short, long)]
        report(runs)


def report(runs: list[dict]) -> None:
    a, b = runs
    print(f"\ndaily run of the last day: day {a['days']} vs day {b['days']} (seconds)")
    names = sorted(set(a["daily"]["models"]) | set(b["daily"]["models"]),
                   key=lambda n: -b["daily"]["models"].get(n, ("", 0))[1])
    print(f"  {'model':<42} {'materialized':<18} {'day ' + str(a['days']):>8} {'day ' + str(b['days']):>8} {'ratio':>6}")
    for name in names:
        kind, before = a["daily"]["models"].get(name, ("?", 0.0))
        after = b["daily"]["models"].get(name, (kind, 0.0))[1]
        print(f"  {name:<42} {kind:<18} {before:8.2f} {after:8.2f} {_ratio(after, before):>6}")
    for kind in ("incremental_by_day", "table"):
        before = sum(s for k, s in a["daily"]["models"].values() if k == kind)
        after = sum(s for k, s in b["daily"]["models"].values() if k == kind)
        print(f"  {'(all ' + kind + ')':<42} {'':<18} {before:8.2f} {after:8.2f} {_ratio(after, before):>6}")
    before, after = a["daily"]["seconds"], b["daily"]["seconds"]
    print(f"  {'daily run in all (seeds, sources, audits)':<42} {'':<18} {before:8.2f} {after:8.2f} "
          f"{_ratio(after, before):>6}   (target 1.5x or less)")
    print("\nfull rebuild (days before the last), in a process of its own:")
    for run in runs:
        full = run["full"]
        rate = run["listing_days"] / (full["seconds"] / 60) if full["seconds"] else 0
        print(f"  {run['days'] - 1:>4} days: {run['listing_days']:>10,} listing-days in {full['seconds']:6.1f} s = "
              f"{rate / 1e6:5.2f} M listing-days a minute; peak RSS {full['peak_rss_mb']:,.0f} MB "
              f"(daily run: {run['daily']['peak_rss_mb']:,.0f} MB)")


def _ratio(after: float, before: float) -> str:
    return f"{after / before:5.1f}x" if before > 0.005 else "-"


if __name__ == "__main__":
    main()
