"""Score the market model on a market of a marketplace's real size.

    .venv/bin/python benchmarks/bench_scoring_at_scale.py [--scale 12] [--days 60] [--seed 7] [--data-dir DIR]

`radar demo --days 60` crawls a market at scale 1, a twelfth of Rebag's real size, and there
a model's median days to sell rests on so few sales that the withdrawals no crawler can tell
from sales move it past 1 day for the slow models (benchmarks/bench_days_to_sell_limit.py).
At scale 12 (Rebag about 50,000 listings) crawling every day through the replicas would take
hours (Fashionphile's grid needs a browser), so this writes what a crawler would record
straight into the lake (sandbox/direct_lake.py), breaks snapshots on purpose as the demo
does, runs every transformation and prints `radar score`'s report, the time of each step
and the peak memory. Then it reruns the last day as the daily flow does (start = end = that
day) and prints where that run's time goes: the incremental_by_day models build only the day,
the table models (lifecycle, dim_listing, KPIs) are rebuilt over the whole history.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli.demo import broken_snapshots
from evaluation.scoring import score
from radar.settings import RadarSettings
from sandbox.direct_lake import write_market_lake
from sandbox.market import DEFAULT_PROFILES
from transformations.runner import TransformResult, run_transformations

BROKEN_SHARE = 0.4  # of the listings a broken snapshot misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=12.0)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start-date", type=date.fromisoformat, default=date(2026, 9, 1))
    parser.add_argument("--incomplete-snapshots", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the lake and warehouse here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = args.data_dir or Path(scratch)
        broken = broken_snapshots(args.start_date, args.days, sorted(DEFAULT_PROFILES), args.incomplete_snapshots)
        print(f"scale {args.scale:g}, {args.days} days, seed {args.seed}; broken on purpose: "
              + ", ".join(f"{m} {d}" for d, m in sorted(broken.items())), flush=True)

        started = time.perf_counter()
        write_market_lake(data_dir, args.days, seed=args.seed, start=args.start_date, scale=args.scale,
                          incomplete={(m, d): BROKEN_SHARE for d, m in broken.items()})
        lake_seconds = time.perf_counter() - started

        started = time.perf_counter()
        settings = RadarSettings(lake_url=str(data_dir / "lake"), warehouse_path=str(data_dir / "warehouse.duckdb"))
        result = run_transformations(settings)
        transform_seconds = time.perf_counter() - started
        if result.documentation_problems:
            raise SystemExit(f"undocumented columns: {result.documentation_problems}")

        started = time.perf_counter()
        report = score(data_dir)
        score_seconds = time.perf_counter() - started

        print(report.to_text())
        last_day = result.end_date  # the lake's last snapshot day, as the full build found it
        started = time.perf_counter()
        daily = run_transformations(settings, start_date=last_day, end_date=last_day)
        daily_seconds = time.perf_counter() - started
        print_daily_run(daily, last_day, daily_seconds)

        print(f"\nmarket + lake {lake_seconds:.0f} s; transformations {transform_seconds:.0f} s; "
              f"scoring {score_seconds:.0f} s; daily run of the last day {daily_seconds:.0f} s; "
              f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def print_daily_run(result: TransformResult, day: date, seconds: float) -> None:
    by_materialization: Counter[str] = Counter()
    for model in result.models:
        by_materialization[model.materialized] += model.seconds
    print(f"\ndaily run of {day}: {seconds:.1f} s in all (seeds, sources and audits included); models: "
          + ", ".join(f"{kind} {total:.1f} s" for kind, total in sorted(by_materialization.items())))
    for model in sorted(result.models, key=lambda m: m.seconds, reverse=True):
        print(f"  {model.name:<40} {model.materialized:<18} {model.seconds:6.1f} s  {model.row_count or 0:>10,} rows")


if __name__ == "__main__":
    main()
