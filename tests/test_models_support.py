"""Helpers for the market-model tests: write small lakes (hand-made or from the sandbox
market, without HTTP or spiders), run the transformations and read tables back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from crawlers.ecb_rates import write_rates
from crawlers.parsers.ecb import EcbRate
from radar.lake import Lake, listings_to_table, publish_partition
from radar.settings import RadarSettings
from transformations.runner import run_transformations

CURRENCIES = {"vsp": "CAD"}


def listing(listing_id: str, title: str, price: float, *, brand: str | None = None, available: bool = True,
            published: date | None = None, retail: float | None = None, **raw: Any) -> dict[str, Any]:
    """One raw item as a spider would yield it (dict with ListingItem fields)."""
    return {
        "listing_id": listing_id,
        "url": f"https://example.test/products/{listing_id}",
        "title": title,
        "brand_raw": brand,
        "price": Decimal(str(price)),
        "available": available,
        "published_at": (
            datetime(published.year, published.month, published.day, 15, 0, tzinfo=UTC) if published else None
        ),
        "estimated_retail_price": Decimal(str(retail)) if retail is not None else None,
        **raw,
    }


def write_day(lake_dir: Path, marketplace: str, day: date, items: list[dict], *, complete: bool = True) -> None:
    rows = [{"currency": CURRENCIES.get(marketplace, "USD"), **item} for item in items]
    manifest = {
        "item_count": len(rows),
        "expected_count": len(rows),
        "complete": complete,
        "finish_reason": "finished",
        "incomplete_reasons": [] if complete else ["page 3 missing"],
    }
    publish_partition(Lake.from_url(str(lake_dir)), marketplace, day, listings_to_table(rows), manifest)


def write_fx_rates(lake_dir: Path, first: date, last: date, units_per_eur: dict[str, float] | None = None) -> None:
    """ECB rates for the business days first..last (CAD 1.50 and USD 1.10 per EUR: 1.36 CAD per USD)."""
    units_per_eur = units_per_eur or {"USD": 1.10, "CAD": 1.50}
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    rates = [EcbRate(day, code, units) for day in days if day.weekday() < 5 for code, units in units_per_eur.items()]
    write_rates(Lake.from_url(str(lake_dir)), last, "hist", rates, "test://ecb")


def transform(data_dir: Path, **kwargs):
    settings = RadarSettings(lake_url=str(data_dir / "lake"), warehouse_path=str(data_dir / "warehouse.duckdb"))
    result = run_transformations(settings, **kwargs)
    assert not result.documentation_problems, result.documentation_problems
    return result


def query(data_dir: Path, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def table_rows(data_dir: Path, table: str, order_by: str) -> list[tuple]:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(f"select * from {table} order by {order_by}").fetchall()
    finally:
        con.close()
