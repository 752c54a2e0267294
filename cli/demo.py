"""`radar demo`: the whole pipeline on the embedded default, over the local sandbox market.

Starts the marketplace replicas and the ECB rates feed on 127.0.0.1, runs the daily flow
(which fetches the feed like production does) for N simulated days (the
lake in DIR/lake, the warehouse in DIR/warehouse.duckdb), writes the sandbox's ground truth to
DIR/truth/ and prints the fastest-selling models. By default the market keeps moving while a
day is crawled (docs/sandbox-market.md, "The moving market"): each request a site answers
runs its clock by the site's configured politeness (download_delay / concurrency), so a crawl
meets the next day's events as a crawl of the live site at that pace would. `moving=False`
(`radar demo --still-market`) serves each day unchanged.

Every argument is checked before the disk is touched (`check_demo_arguments`). The demo marks
the directory it fills (DIR/.radar-demo) and only ever resets a marked one: a lake, warehouse or
ground truth it did not create (a real lake, `radar run`'s data/, any foreign file) is refused
with DemoError and left as it was.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

# The replicas are ours and local: no politeness delay needed (the real sites keep theirs).
SANDBOX_CRAWL_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LOG_LEVEL": "INFO",
}

FASTEST_MODELS_SQL = """
select
    brand,
    model,
    count(*) as sold,
    median(days_to_sell) as median_days_to_sell,
    round(median(sale_price_usd), 0) as median_sold_price_usd
from marts.dim_listing
-- a bag already sold at our first look has only an upper bound for its sale date
where status = 'sold' and model is not null and status_rule <> 'first_seen_as_sold'
group by brand, model
having count(*) >= {min_sales}
order by median_days_to_sell, sold desc
limit {limit}
"""


DEMO_MARKER = ".radar-demo"
# What the demo writes into DIR and resets on the next run (DuckDB's write-ahead log included).
DEMO_OUTPUTS = ("lake", "truth", "warehouse.duckdb", "warehouse.duckdb.wal")


class DemoError(ValueError):
    """An argument or a data directory the demo refuses; nothing was written or deleted."""


def check_demo_arguments(days: int, marketplaces: list[str] | None, scale: float, incomplete_snapshots: int) -> list[str]:
    """The marketplaces to serve, or DemoError naming the first bad argument."""
    if not isinstance(days, int) or days < 1:
        raise DemoError(f"--days must be at least 1, got {days!r}")
    if not math.isfinite(scale) or scale <= 0:
        raise DemoError(f"--scale must be a number above 0, got {scale!r}")
    if incomplete_snapshots < 0:
        raise DemoError(f"--incomplete-snapshots must be 0 or more, got {incomplete_snapshots!r}")
    if marketplaces is not None and not marketplaces:
        raise DemoError("--marketplaces names no marketplace")
    from crawlers.config import ConfigError, check_marketplace_keys

    try:
        return check_marketplace_keys(marketplaces)
    except ConfigError as error:
        raise DemoError(str(error)) from None


def check_data_dir(data_dir: Path) -> None:
    """DemoError unless everything the demo would reset in data_dir is a previous demo's."""
    if data_dir.exists() and not data_dir.is_dir():
        raise DemoError(f"--data-dir {data_dir} is not a directory")
    present = [name for name in DEMO_OUTPUTS if (data_dir / name).exists() or (data_dir / name).is_symlink()]
    if not present:
        return
    refuse = "refusing to delete it; nothing was changed. Choose another --data-dir"
    if not (data_dir / DEMO_MARKER).is_file():
        raise DemoError(
            f"--data-dir {data_dir} holds {', '.join(present)} that no demo created (no {DEMO_MARKER} marker): "
            f"it may be a real lake or warehouse; {refuse}"
        )
    for name in present:
        if (data_dir / name).is_symlink():
            raise DemoError(f"{data_dir / name} is a symbolic link, not the demo's own; {refuse}")
    lake = data_dir / "lake"
    if lake.is_dir():
        # What a demo's lake holds at its top: raw/, what its daily flows derive from it (the
        # reports, the watchlists' record of posts) and the lake's own internals (_tmp, ...).
        from flows.watchlists import POSTED_DIR
        from reports.delivery import REPORTS_DIR

        demo_dirs = {"raw", REPORTS_DIR, POSTED_DIR.split("/")[0]}
        foreign = sorted(p.name for p in lake.iterdir() if p.name not in demo_dirs and not p.name.startswith(("_", ".")))
        if foreign:
            raise DemoError(f"the lake {lake} holds {', '.join(foreign)}, which no demo wrote; {refuse}")
        # A crawl `radar run` published into a demo's lake afterwards is real data, marker or not.
        demo_crawls = set(_read_marker(data_dir).get("crawl_ids", []))
        others = sorted(str(path.parent.relative_to(lake)) for path, crawl in _published_crawls(lake).items()
                        if crawl not in demo_crawls)
        if others:
            raise DemoError(f"the lake {lake} holds {len(others)} snapshot(s) no demo wrote (e.g. {others[0]}); {refuse}")


def reset_data_dir(data_dir: Path) -> None:
    """Delete a previous demo's outputs (after check_data_dir) and mark data_dir as the demo's."""
    for name in DEMO_OUTPUTS:
        path = data_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    record_demo_crawls(data_dir)


def record_demo_crawls(data_dir: Path) -> None:
    """(Re)write the marker: this directory is a demo's, and these are the crawls its lake holds."""
    crawls = sorted(set(_published_crawls(data_dir / "lake").values()))
    marker = {
        "written_by": "radar demo: the next demo may delete lake/, truth/ and warehouse.duckdb here, "
                      "as long as the lake holds only the crawls listed",
        "crawl_ids": crawls,
    }
    (data_dir / DEMO_MARKER).write_text(json.dumps(marker, indent=1) + "\n")


def _read_marker(data_dir: Path) -> dict:
    try:
        marker = json.loads((data_dir / DEMO_MARKER).read_text())
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def _published_crawls(lake: Path) -> dict[Path, str]:
    """Every published manifest of a local lake and the crawl (or fx fetch) it names."""
    crawls = {}
    for path in sorted(lake.glob("raw/*/*/*/_manifest.json")) if lake.is_dir() else []:
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            manifest = {}
        crawls[path] = str(manifest.get("crawl_id") or manifest.get("fetch_id") or "")
    return crawls


def broken_snapshots(start_date: date, days: int, marketplaces: list[str], count: int) -> dict[date, str]:
    """Which (day, marketplace) snapshots the sandbox breaks on purpose: spread over the run,
    cycling through the marketplaces, never the first or last two days (a sale needs complete days around it)."""
    if count <= 0 or days < 6:
        return {}
    offsets = sorted({2 + (i + 1) * (days - 4) // (count + 1) for i in range(count)})
    return {start_date + timedelta(days=o): marketplaces[i % len(marketplaces)] for i, o in enumerate(offsets)}


def _break_snapshot(server, marketplace: str, nth: int) -> str:
    """Break one snapshot like real sites do: a short page (Shopify sites, every other time) or a
    block mid-crawl (a challenge page after a couple of requests; always for the browser site)."""
    from crawlers.config import get_marketplace

    if nth % 2 == 0 and get_marketplace(marketplace).kind != "browser":
        server.set_faults(marketplace, drop_page=1, drop_mode="short")
        return "a short page"
    server.set_faults(marketplace, challenge="403", challenge_after=1)
    return "blocked mid-crawl"


def run_demo(
    days: int,
    data_dir: Path,
    marketplaces: list[str] | None,
    seed: int,
    scale: float,
    start_date: date,
    incomplete_snapshots: int = 0,
    moving: bool = True,
) -> int:
    """Raises DemoError, before anything is written or deleted, for a bad argument or a data
    directory holding a lake, warehouse or truth that no demo created."""
    from flows.daily import daily_market_snapshot
    from sandbox.market import Market
    from sandbox.server import SandboxServer
    from sandbox.truth import write_served_early

    chosen = check_demo_arguments(days, marketplaces, scale, incomplete_snapshots)
    data_dir = data_dir.resolve()
    check_data_dir(data_dir)

    console = Console()
    reset_data_dir(data_dir)  # a demo starts from an empty lake
    _point_settings_at(data_dir)
    logging.getLogger("flows.slack").setLevel(logging.ERROR)  # the demo has no Slack: it prints its own lines
    market = Market(seed=seed, start_date=start_date, scale=scale)
    server = SandboxServer(market, marketplaces=chosen, moving=moving, seconds_per_request=crawl_pace(chosen))
    base_urls = server.start()
    broken = broken_snapshots(start_date, days, chosen, incomplete_snapshots)
    console.print(f"Sandbox market (seed {seed}) serving {', '.join(chosen)} on 127.0.0.1"
                  + (", moving while crawled" if moving else ", still while crawled"))
    if broken:
        console.print("Snapshots broken on purpose: " + ", ".join(f"{m} {d}" for d, m in sorted(broken.items())))
    try:
        with _progress(console) as progress:
            job = progress.add_task("daily snapshots", total=days)
            for offset in range(days):
                day = start_date + timedelta(days=offset)
                progress.update(job, description=f"snapshot {day}")
                server.set_day(day)
                server.clear_faults()
                if day in broken:
                    how = _break_snapshot(server, broken[day], sorted(broken).index(day))
                    progress.console.print(f"{day} {broken[day]}: breaking this snapshot on purpose ({how})")
                # Retrying a snapshot broken on purpose would only wait for the same answer.
                result = daily_market_snapshot(
                    day, chosen, base_urls, SANDBOX_CRAWL_SETTINGS, crawl_retries=0, fx_base_url=server.fx_base_url
                )
                for marketplace, reasons in result["incomplete"].items():
                    progress.console.print(
                        f"{day} {marketplace}: snapshot incomplete ({'; '.join(reasons)[:160]}); kept, no sales inferred from it"
                    )
                progress.advance(job)
    finally:
        server.stop()
        record_demo_crawls(data_dir)  # what this demo published, however it ended
    market.write_truth(data_dir / "truth")
    if moving:
        write_served_early(server.served_events(), data_dir / "truth")
        counts = server.moving_counts()
        console.print("Met early by the crawls (next-day events): "
                      + (", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "none"))
    console.print(f"Lake: {data_dir / 'lake'}\nWarehouse: {data_dir / 'warehouse.duckdb'}\nGround truth: {data_dir / 'truth'}")
    console.print(fastest_models_table(data_dir / "warehouse.duckdb"))
    return 0


def crawl_pace(marketplaces: list[str]) -> dict[str, float]:
    """Virtual seconds per request on a moving market: the site's configured politeness
    (crawlers/marketplaces.yaml download_delay / concurrency), as a real crawl of it paces."""
    from crawlers.config import get_marketplace

    pace = {}
    for marketplace in marketplaces:
        politeness = get_marketplace(marketplace).politeness
        pace[marketplace] = politeness.download_delay / politeness.concurrency
    return pace


def _point_settings_at(data_dir: Path) -> None:
    from radar.settings import get_settings

    os.environ["RADAR_LAKE_URL"] = str(data_dir / "lake")
    os.environ["RADAR_WAREHOUSE_PATH"] = str(data_dir / "warehouse.duckdb")
    os.environ["RADAR_ENGINE"] = "duckdb"
    # The replicas listen on 127.0.0.1: the sandbox is the one place crawls may reach loopback.
    os.environ["RADAR_ALLOW_PRIVATE_TARGETS"] = "true"
    # Keep the progress bar readable: the demo prints incomplete snapshots itself.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
    get_settings.cache_clear()


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def fastest_models_table(warehouse: Path, min_sales: int = 3, limit: int = 15) -> Table:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(FASTEST_MODELS_SQL.format(min_sales=min_sales, limit=limit)).fetchall()
    table = Table(title=f"Fastest-selling models (at least {min_sales} sales)")
    for column in ("brand", "model", "sold", "median days to sell", "median sold price (USD)"):
        table.add_column(column)
    for brand, model, sold, median_days, median_price in rows:
        table.add_row(brand, model, str(sold), f"{median_days:.1f}", f"{median_price:,.0f}" if median_price is not None else "-")
    return table
