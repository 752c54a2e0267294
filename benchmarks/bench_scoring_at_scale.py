"""Score the market model on a market of a marketplace's real size.

    .venv/bin/python benchmarks/bench_scoring_at_scale.py [--scale 12] [--days 60] [--seed 7] [--data-dir DIR]

`radar demo --days 60` crawls a market at scale 1, a twelfth of Rebag's real size, and there
a model's median days to sell rests on so few sales that the withdrawals no crawler can tell
from sales move it past 1 day for the slow models (benchmarks/bench_days_to_sell_limit.py).
At scale 12 (Rebag about 50,000 listings) crawling every day through the replicas would take
hours (Fashionphile's grid needs a browser), so this writes what a crawler would record
straight into the lake (sandbox/direct_lake.py), breaks snapshots on purpose as the demo
does, runs every transformation and prints `radar score`'s report, the time of each step
and the peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radar.demo import broken_snapshots  # noqa: E402
from radar.settings import RadarSettings  # noqa: E402
from sandbox.direct_lake import write_market_lake  # noqa: E402
from sandbox.market import DEFAULT_PROFILES  # noqa: E402
from transformations.runner import run_transformations  # noqa: E402
from transformations.scoring import score  # noqa: E402

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
        print(f"\nmarket + lake {lake_seconds:.0f} s; transformations {transform_seconds:.0f} s; "
              f"scoring {score_seconds:.0f} s; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
