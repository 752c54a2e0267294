"""Benchmark: crawl the Fashionphile replica with Chromium; print pages/s and peak browser memory.

    .venv/bin/python benchmarks/bench_fashionphile_crawl.py [--count 2000] [--hits-per-page 48]
                                                             [--concurrency 1] [--no-block]

Runs `scrapy crawl fashionphile` as a subprocess against a local replica (no delay, no lake
writes) and samples the memory of every browser process under it every 200 ms: peak PSS
(proportional set size, shared pages split between processes; RSS when PSS is unreadable).
`--no-block` lets images, fonts and stylesheets load, to show what route blocking saves.
Needs Chromium (see crawlers/browser.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlers.browser import browser_problem  # noqa: E402
from sandbox.fixed_market import FixedMarket, sample_states  # noqa: E402
from sandbox.replicas.fashionphile import FashionphileReplica  # noqa: E402
from sandbox.server import SandboxServer  # noqa: E402

# The sandbox replicas listen on 127.0.0.1: the one place crawls may reach loopback.
os.environ.setdefault("RADAR_ALLOW_PRIVATE_TARGETS", "true")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, out, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _memory_kib(pid: int) -> int:
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except (OSError, ValueError):
            continue
    return 0


def _is_browser(pid: int) -> bool:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    name = os.path.basename(cmd).lower()
    return b"chrom" in name or b"headless_shell" in name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="listings in the replica (about 92%% bags)")
    parser.add_argument("--hits-per-page", type=int, default=48)
    parser.add_argument("--concurrency", type=int, default=1, help="pages rendered at once")
    parser.add_argument("--no-block", action="store_true", help="do not abort images/fonts/stylesheets")
    args = parser.parse_args()
    problem = browser_problem()
    if problem:
        print(f"skipped: {problem}")
        return 0

    states = sample_states(args.count)
    bags = sum(s.listing.is_bag for s in states)
    market = FixedMarket({"fashionphile": states})
    replica = FashionphileReplica(hits_per_page=args.hits_per_page)
    with SandboxServer(market, replicas={"fashionphile": replica}) as sandbox, tempfile.TemporaryDirectory() as tmp:
        base_url = sandbox.base_urls["fashionphile"]
        report = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "scrapy", "crawl", "fashionphile",
            "-a", f"base_url={base_url}", "-a", "snapshot_date=2026-09-03",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={args.concurrency}",
            "-s", f"RADAR_REPORT_PATH={report}",
            "-s", 'ITEM_PIPELINES={"crawlers.pipelines.ValidateListingPipeline": 100}',
        ]
        if args.no_block:
            command += ["-s", "PLAYWRIGHT_ABORT_REQUEST=crawlers.browser.never_abort"]
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak_kib, peak_procs = 0, 0
        while proc.poll() is None:
            pids = [p for p in _descendants(proc.pid) if _is_browser(p)]
            total = sum(_memory_kib(p) for p in pids)
            if total > peak_kib:
                peak_kib, peak_procs = total, len(pids)
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        stderr = proc.stderr.read() if proc.stderr else ""
        if proc.returncode != 0 or not report.exists():
            print(stderr[-4000:])
            return 1
        stats = json.loads(report.read_text())

    pages = sum(v for k, v in stats.items() if k.startswith("fashionphile/page_state/"))
    crawl_seconds = float(stats.get("elapsed_time_seconds") or elapsed)
    result = {
        "listings_in_replica": args.count,
        "bags_expected": bags,
        "items": stats.get("item_scraped_count", 0),
        "complete": not stats.get("radar/incomplete_reasons"),
        "pages": pages,
        "crawl_seconds": round(crawl_seconds, 2),
        "pages_per_second": round(pages / crawl_seconds, 2) if crawl_seconds else None,
        "wall_seconds_incl_startup": round(elapsed, 2),
        "peak_browser_memory_mib": round(peak_kib / 1024, 1),
        "browser_processes_at_peak": peak_procs,
        "browser_requests": stats.get("playwright/request_count", 0),
        "browser_requests_aborted": stats.get("playwright/request_count/aborted", 0),
        "route_blocking": not args.no_block,
        "concurrency": args.concurrency,
    }
    for key, value in result.items():
        print(f"{key:28} {value}")
    return 0 if result["complete"] and result["items"] == bags else 1


if __name__ == "__main__":
    raise SystemExit(main())
