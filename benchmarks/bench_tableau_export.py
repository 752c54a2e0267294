"""What `radar export tableau` costs as history grows: rows/s and peak RSS of the export, streamed
in batches (reports/exports.py, MartReader.stream) against one batch holding each mart whole
(what the export did before: memory grew with marts.fct_listing_daily's history).

    .venv/bin/python benchmarks/bench_tableau_export.py [--scale 0.5] [--days 14 42] [--data-dir DIR]

Writes the sandbox market straight into a lake (sandbox/direct_lake.py) for each history length,
builds every model on DuckDB (a --data-dir's warehouses are reused), then runs each export in a
process of its own (spawned), so its peak RSS (VmHWM) is the export's alone. The .hyper is read
back as in the command (row counts equal the marts') before a figure is printed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WHOLE = 10**12  # one batch per mart: the old behaviour


def _export(data_dir: str, out: str, batch_rows: int) -> dict:
    from radar.settings import RadarSettings
    from reports.exports import HYPER_FILE, hyper_row_counts, write_hyper
    from reports.marts import MartReader

    settings = RadarSettings(lake_url=f"{data_dir}/lake", warehouse_path=f"{data_dir}/warehouse.duckdb",
                             engine="duckdb")
    started = time.perf_counter()
    with MartReader(settings) as marts:
        data, counts = write_hyper(Path(out) / HYPER_FILE, marts, batch_rows=batch_rows)
    seconds = time.perf_counter() - started
    written = {mart.model.table: mart.rows for mart in data}
    if counts != written or hyper_row_counts(Path(out) / HYPER_FILE) != written:
        raise SystemExit(f"the extract reads back {counts}, the export wrote {written}")
    return {"seconds": seconds, "rows": sum(written.values()), "fct_listing_daily": written["fct_listing_daily"],
            "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM: ru_maxrss would carry the parent's peak over the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(*args: object) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_export, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--days", type=int, nargs="+", default=[14, 42])
    parser.add_argument("--batch-rows", type=int, default=None, help="default: reports.marts.BATCH_ROWS")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()

    from radar.settings import RadarSettings
    from reports.marts import BATCH_ROWS
    from sandbox.direct_lake import write_market_lake
    from transformations.runner import run_transformations

    batch_rows = args.batch_rows or BATCH_ROWS
    root = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-tableau-"))
    print(f"scale {args.scale}, batches of {batch_rows:,} rows; data in {root}")
    for days in args.days:
        data_dir = root / f"scale-{args.scale}-days-{days}"
        if (data_dir / "warehouse.duckdb").exists():
            print(f"{days} days: the warehouse in {data_dir} is reused")
        else:
            started = time.perf_counter()
            write_market_lake(data_dir, days, scale=args.scale)
            run_transformations(RadarSettings(lake_url=str(data_dir / "lake"),
                                              warehouse_path=str(data_dir / "warehouse.duckdb"), engine="duckdb"))
            print(f"{days} days: lake and warehouse built in {time.perf_counter() - started:.0f} s")
        for label, rows in (("streamed", batch_rows), ("whole marts", WHOLE)):
            result = in_child(str(data_dir), str(data_dir / f"tableau-{label.replace(' ', '-')}"), rows)
            print(f"  {label:12s} {result['rows']:>9,} rows (fct_listing_daily {result['fct_listing_daily']:,}) "
                  f"in {result['seconds']:.1f} s = {result['rows'] / result['seconds']:,.0f} rows/s; "
                  f"peak RSS {result['peak_rss_mb']:,.0f} MB")


if __name__ == "__main__":
    main()
