"""A sequence of daily runs gives the tables of one full rebuild (issue 13: daily cost O(day)).

The daily run touches only what its day changed: incremental_by_day models build the day,
incremental_by_key models (int_listing_lifecycle, dim_listing) merge the listings the day
touched (kpi_segment_weekly: the weeks). So whatever a merge leaves alone must already be what a full rebuild computes. A
sandbox lake (sandbox/direct_lake.py's market, scale 0.05, 16 days) gets a scripted rebag
listing that is marked down, disappears for three complete snapshots and returns (a relist),
is shown sold, and is then gone; a second one sells by absence; one rebag snapshot is
incomplete (a share of its listings missing). One warehouse is built in full, another day by
day (one day skipped and filled by the next run), and every intermediate and mart table is
compared row for row, sorted, floats within 1e-9 relative.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from crawlers.ecb_rates import write_rates
from crawlers.parsers.ecb import HIST_90D_XML, parse_xml
from radar.lake import Lake, listings_to_table, publish_partition
from radar.settings import RadarSettings
from sandbox.direct_lake import _market_item
from sandbox.ecb_feed import feed_file
from sandbox.market import Market
from transformations.runner import run_transformations

START = date(2026, 9, 1)
DAYS = 16
INCOMPLETE = {("rebag", START + timedelta(days=6)): 0.4}
SKIPPED = START + timedelta(days=9)  # the daily flow missed it: the next run fills it
RELISTED_ID, ABSENT_SOLD_ID = "scripted-relist", "scripted-gone"


def scripted(listing_id: str, day: date, price: int, *, available: bool = True, size: str = "30") -> dict[str, Any]:
    return {
        "listing_id": listing_id, "url": f"https://example.test/rebag/{listing_id}",
        "title": f"Birkin {size} Togo Gold", "brand_raw": "Hermes", "size_raw": size, "material_raw": "Togo",
        "condition_raw": "Excellent", "price": price, "currency": "USD", "compare_at_price": None,
        "available": available, "published_at": datetime(2026, 8, 20, 15, tzinfo=UTC),
        "estimated_retail_price": None, "sku": None, "product_type": "Handbags",
    }


def scripted_rows(day: date) -> list[dict[str, Any]]:
    """Day offsets: the relisted bag on 0-3 (marked down on 2), gone on 4-7 (three complete
    snapshots and the incomplete one), back on 8-11 with another size (its segment changes in
    the weeks it was on sale), shown sold on 12, gone after; the other
    bag on 0-4, then gone for good (a sale inferred from its absence)."""
    offset = (day - START).days
    rows = []
    if offset <= 3:
        rows.append(scripted(RELISTED_ID, day, 9000 if offset < 2 else 8500))
    elif 8 <= offset <= 11:
        rows.append(scripted(RELISTED_ID, day, 8800, size="35"))
    elif offset == 12:
        rows.append(scripted(RELISTED_ID, day, 8800, available=False, size="35"))
    if offset <= 4:
        rows.append(scripted(ABSENT_SOLD_ID, day, 4000))
    return rows


def write_lake(data_dir: Path) -> None:
    market = Market(seed=11, start_date=START, scale=0.05)
    lake = Lake.from_url(str(data_dir / "lake"))
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        market.advance_to(day)
        for key, profile in market.profiles.items():
            states = [s for s in market.visible(key, day) if s.listing.is_bag]
            drop = INCOMPLETE.get((key, day))
            if drop:
                states = states[: int(len(states) * (1 - drop))]
            items = [_market_item(s, key, profile.currency) for s in states]
            if key == "rebag":
                items += scripted_rows(day)
            manifest = {"item_count": len(items), "expected_count": len(items), "complete": not drop,
                        "finish_reason": "finished", "incomplete_reasons": ["dropped pages"] if drop else []}
            publish_partition(lake, key, day, listings_to_table(items), manifest)
        write_rates(lake, day, "hist-90d", parse_xml(feed_file(market, HIST_90D_XML, day)), f"sandbox:{HIST_90D_XML}")


def tables(settings: RadarSettings, names: list[str]) -> dict[str, tuple[list[str], list[tuple]]]:
    con = duckdb.connect(settings.warehouse_path, read_only=True)
    try:
        found = {}
        for name in names:
            cursor = con.execute(f"select * from {name}")
            columns = [d[0] for d in cursor.description]
            found[name] = (columns, sorted(cursor.fetchall(), key=lambda row: tuple((v is None, str(v)) for v in row)))
        return found
    finally:
        con.close()


def same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return type(left) is type(right) and left == right


def differences(name: str, left: tuple[list[str], list[tuple]], right: tuple[list[str], list[tuple]]) -> list[str]:
    if left[0] != right[0]:
        return [f"{name}: columns {left[0]} vs {right[0]}"]
    if len(left[1]) != len(right[1]):
        return [f"{name}: {len(left[1])} rows in full, {len(right[1])} daily"]
    return [f"{name}: full {a} daily {b}" for a, b in zip(left[1], right[1])
            if not all(same(x, y) for x, y in zip(a, b))][:5]


def test_daily_runs_equal_a_full_rebuild(tmp_path: Path) -> None:
    write_lake(tmp_path)
    full = RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(tmp_path / "full.duckdb"))
    daily = RadarSettings(lake_url=full.lake_url, warehouse_path=str(tmp_path / "daily.duckdb"))

    result = run_transformations(full)
    assert result.documentation_problems == {}
    names = [m.name for m in result.models if m.name.split(".")[0] in ("intermediate", "marts")]
    merged = {m.name: m for m in result.models if m.materialized == "incremental_by_key"}
    assert set(merged) == {"intermediate.int_listing_lifecycle", "intermediate.int_marketplace_snapshots",
                           "marts.dim_listing", "marts.kpi_segment_weekly"}

    run_transformations(daily, start_date=START, end_date=START + timedelta(days=1))
    runs = {}
    for offset in range(2, DAYS):
        day = START + timedelta(days=offset)
        if day != SKIPPED:
            runs[day] = run_transformations(daily, start_date=day, end_date=day)

    # the daily runs merged (not rebuilt) the by-key models, the one after the skipped day from it
    last = {m.name: m for m in runs[START + timedelta(days=DAYS - 1)].models}
    assert last["marts.dim_listing"].intervals == [(START + timedelta(days=DAYS - 1),) * 2]
    after_skip = {m.name: m for m in runs[SKIPPED + timedelta(days=1)].models}
    assert after_skip["intermediate.int_listing_lifecycle"].intervals == [(SKIPPED, SKIPPED + timedelta(days=1))]
    assert last["marts.dim_listing"].row_count < tables(full, ["marts.dim_listing"])["marts.dim_listing"][1].__len__()

    expected, got = tables(full, names), tables(daily, names)
    problems = [p for name in names for p in differences(name, expected[name], got[name])]
    assert problems == []

    # the lake has what the test is about
    con = duckdb.connect(full.warehouse_path, read_only=True)
    try:
        relisted = con.execute(
            "select relist_count, status, sale_evidence, markdown_count from marts.dim_listing "
            f"where listing_key = 'rebag:{RELISTED_ID}'").fetchall()
        assert relisted == [(1, "sold", "observed", 1)]
        assert con.execute("select count(*) from marts.kpi_segment_weekly where size = '35' and brand = 'Hermès'"
                           " and marketplace = 'rebag'").fetchone()[0] >= 2
        gone = con.execute(f"select status, sale_evidence from marts.dim_listing where listing_key = 'rebag:{ABSENT_SOLD_ID}'")
        assert gone.fetchall() == [("sold", "inferred")]
        assert con.execute("select count(*) from intermediate.int_marketplace_snapshots where not is_complete").fetchone()[0] == 1
        assert con.execute("select count(*) from marts.fct_price_changes").fetchone()[0] > 0
    finally:
        con.close()
