"""Per-model build time on the local Trino vs DuckDB, for the same sandbox lake.

    .venv/bin/python benchmarks/bench_trino_vs_duckdb.py [--days 7] [--scale 0.25] [--no-daily]

Writes a sandbox lake (sandbox/direct_lake.py: every marketplace, one snapshot broken on
purpose), builds the whole model chain on DuckDB from the local files and on the local
single-node Trino (ops/trino/trino.py, started if needed) from a copy on its S3 stand-in, and
prints each model's seconds and rows side by side with the totals. Then the daily run of the
last day (incremental models rebuild that day, table models whole) on both. Trino figures
include the per-statement round trips of the runner (stage, audits, publish).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from radar.settings import RadarSettings  # noqa: E402

BUCKET = "radar-bench-trino"
AWS_TEST_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


def start_trino() -> dict:
    home = Path(os.environ.get("TRINO_HOME") or REPO / ".trino")
    started = subprocess.run([sys.executable, str(REPO / "ops" / "trino" / "trino.py"), "start", "--home", str(home)],
                             capture_output=True, text=True, check=False)
    if started.returncode != 0:
        sys.exit(f"the local Trino did not start:\n{started.stderr[-3000:]}")
    return json.loads((home / "state.json").read_text())


def s3_client(state: dict):
    import boto3

    return boto3.client("s3", endpoint_url=state["s3_endpoint"], region_name="us-east-1")


def empty_bucket(s3) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=obj["Key"])


def print_side_by_side(title: str, duck, on_trino) -> None:
    trino_runs = {run.name: run for run in on_trino.models}
    print(f"\n{title}")
    print(f"{'model':44s} {'rows':>8s} {'duckdb s':>9s} {'trino s':>9s} {'ratio':>7s}")
    for run in duck.models:
        other = trino_runs.get(run.name)
        ratio = f"{other.seconds / run.seconds:6.1f}x" if other and run.seconds > 0 else ""
        print(f"{run.name:44s} {run.row_count if run.row_count is not None else '':>8} {run.seconds:9.2f} "
              f"{other.seconds if other else float('nan'):9.2f} {ratio:>7s}")
    duck_total = sum(run.seconds for run in duck.models)
    trino_total = sum(run.seconds for run in on_trino.models)
    print(f"{'total (models)':44s} {'':>8s} {duck_total:9.2f} {trino_total:9.2f} {trino_total / duck_total:6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--scale", type=float, default=0.25)
    parser.add_argument("--no-daily", action="store_true", help="skip the daily run of the last day")
    args = parser.parse_args()

    from sandbox.direct_lake import write_market_lake
    from transformations.runner import run_transformations

    start = date(2026, 9, 1)
    last = start + timedelta(days=args.days - 1)
    os.environ.update(AWS_TEST_ENV)
    state = start_trino()
    s3 = s3_client(state)
    with tempfile.TemporaryDirectory() as workdir:
        data = Path(workdir)
        began = time.perf_counter()
        write_market_lake(data, args.days, start=start, scale=args.scale,
                          incomplete={("rebag", start + timedelta(days=2)): 0.3})
        lake = data / "lake"
        try:
            s3.create_bucket(Bucket=BUCKET)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        empty_bucket(s3)
        for path in sorted(lake.rglob("*")):
            if path.is_file():
                s3.upload_file(str(path), BUCKET, f"lake/{path.relative_to(lake).as_posix()}")
        print(f"lake: {args.days} days at scale {args.scale}, written and copied to S3 in "
              f"{time.perf_counter() - began:.1f} s; Trino {state['version']} at {state['url']}")

        duck_settings = RadarSettings(lake_url=str(lake), warehouse_path=str(data / "warehouse.duckdb"))
        trino_settings = RadarSettings(trino_url=state["radar_trino_url"], lake_url=f"s3://{BUCKET}/lake",
                                       s3_endpoint_url=state["s3_endpoint"])
        try:
            timed = {}
            for name, settings, dialect in (("duckdb", duck_settings, "duckdb"), ("trino", trino_settings, "trino")):
                began = time.perf_counter()
                timed[name] = (run_transformations(settings, dialect=dialect), time.perf_counter() - began)
            print_side_by_side(f"full build, {args.days} days", timed["duckdb"][0], timed["trino"][0])
            print(f"{'total (wall, with setup and seeds)':44s} {'':>8s} {timed['duckdb'][1]:9.2f} {timed['trino'][1]:9.2f}")
            if not args.no_daily:
                daily = {}
                for name, settings, dialect in (("duckdb", duck_settings, "duckdb"), ("trino", trino_settings, "trino")):
                    began = time.perf_counter()
                    daily[name] = (run_transformations(settings, dialect=dialect, start_date=last, end_date=last),
                                   time.perf_counter() - began)
                print_side_by_side(f"daily run of {last}", daily["duckdb"][0], daily["trino"][0])
                print(f"{'total (wall, with setup and seeds)':44s} {'':>8s} {daily['duckdb'][1]:9.2f} {daily['trino'][1]:9.2f}")
        finally:
            empty_bucket(s3)


if __name__ == "__main__":
    main()
