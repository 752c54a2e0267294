"""The simulated market's ground truth as Parquet files (what the scorer compares marts with).

Written as of the market's current day: a listing still on sale has no end; one withdrawn and
waiting to come back shows its withdrawal (a later relist would undo it). A moving sandbox
simulates a marketplace one day ahead (`Market.intraday_events`); whatever happened after the
current day is left out, so the truth reads the same with or without that look ahead.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from sandbox.ecb_feed import publication_days, quotes, usd_per_unit

if TYPE_CHECKING:
    from sandbox.market import Market, _Item, _MarketplaceSim

PRICE = pa.decimal128(14, 2)
CENT = Decimal("0.01")

LISTINGS_SCHEMA = pa.schema(
    [
        ("marketplace", pa.string()),
        ("listing_id", pa.string()),
        ("variant_id", pa.string()),
        ("sku", pa.string()),
        ("brand", pa.string()),
        ("model", pa.string()),
        ("size", pa.string()),
        ("condition", pa.string()),
        ("color", pa.string()),
        ("material", pa.string()),
        ("style", pa.string()),
        ("hardware_color", pa.string()),
        ("category", pa.string()),
        ("is_bag", pa.bool_()),
        ("listed_date", pa.date32()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("end_date", pa.date32()),
        ("end_reason", pa.string()),
        ("sale_date", pa.date32()),
        ("sale_price", PRICE),
        ("sale_price_usd", PRICE),
        ("currency", pa.string()),
        ("first_price", PRICE),
        ("last_price", PRICE),
        ("markdown_count", pa.int32()),
        ("retail_price_usd", pa.int64()),
        ("show_retail", pa.bool_()),
        ("relist_count", pa.int32()),
    ]
)
EPISODES_SCHEMA = pa.schema(
    [
        ("marketplace", pa.string()),
        ("listing_id", pa.string()),
        ("episode_no", pa.int32()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("end_reason", pa.string()),
    ]
)
PRICE_CHANGES_SCHEMA = pa.schema(
    [
        ("marketplace", pa.string()),
        ("listing_id", pa.string()),
        ("effective_date", pa.date32()),
        ("price", PRICE),
        ("compare_at_price", PRICE),
    ]
)
DAILY_SUPPLY_SCHEMA = pa.schema(
    [
        ("marketplace", pa.string()),
        ("date", pa.date32()),
        ("bags_visible", pa.int64()),
        ("bags_available", pa.int64()),
        ("products_visible", pa.int64()),
    ]
)
# What the sandbox's ECB feed publishes (sandbox/ecb_feed.py): publication days only, units per EUR.
FX_SCHEMA = pa.schema([("date", pa.date32()), ("currency", pa.string()), ("units_per_eur", pa.decimal128(12, 6))])


# What a moving sandbox served early (sandbox/moving.py): one row per event of event_date that
# the crawl of crawl_date (the day before) met. The other tables keep every event on its true day.
SERVED_EARLY_SCHEMA = pa.schema(
    [
        ("marketplace", pa.string()),
        ("crawl_date", pa.date32()),
        ("event_date", pa.date32()),
        ("listing_id", pa.string()),
        ("kind", pa.string()),
        ("at_seconds", pa.float64()),
    ]
)

CHUNK_ROWS = 50_000  # rows per Parquet row group: bounds memory on large markets


def write_truth(market: Market, truth_dir: Path) -> None:
    truth_dir.mkdir(parents=True, exist_ok=True)
    sims = list(market._sims.values())
    as_of = market.current_day
    _write(truth_dir / "listings.parquet", LISTINGS_SCHEMA, (r for sim in sims for r in _listing_rows(market, sim, as_of)))
    _write(truth_dir / "episodes.parquet", EPISODES_SCHEMA, (r for sim in sims for r in _episode_rows(sim, as_of)))
    _write(truth_dir / "price_changes.parquet", PRICE_CHANGES_SCHEMA, (r for sim in sims for r in _price_rows(sim, as_of)))
    _write(truth_dir / "daily_supply.parquet", DAILY_SUPPLY_SCHEMA, (r for sim in sims for r in _supply_rows(market, sim)))
    _write(truth_dir / "fx_rates.parquet", FX_SCHEMA, _fx_rows(market))


def write_served_early(events, truth_dir: Path) -> None:
    """`served_early.parquet` from `SandboxServer.served_events()` (a moving sandbox's crawls)."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    rows = ((e.marketplace, e.crawl_day, e.event_day, str(e.listing_id), e.kind, e.at_seconds) for e in events)
    _write(truth_dir / "served_early.parquet", SERVED_EARLY_SCHEMA, rows)


def _write(path: Path, schema: pa.Schema, rows: Iterator[tuple]) -> None:
    with pq.ParquetWriter(path, schema) as writer:
        while chunk := list(islice(rows, CHUNK_ROWS)):
            writer.write_table(_table(schema, chunk))


def _table(schema: pa.Schema, rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows)) if rows else [() for _ in schema]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)


def _episodes(item: _Item, as_of) -> list[tuple]:
    """The listing's times on sale as known on `as_of`: later starts dropped, later ends open."""
    kept = [episode for episode in item.episodes if episode[0] <= as_of]
    if kept and kept[-1][1] is not None and kept[-1][1] > as_of:
        kept[-1] = (kept[-1][0], None, None)
    return kept


def final_state(item: _Item, as_of=None) -> tuple:
    """(end_date, end_reason) of the listing's latest time on sale; (None, None) while on sale."""
    episodes = item.episodes if as_of is None else _episodes(item, as_of)
    _, end_date, end_reason = episodes[-1]
    return end_date, end_reason


def _listing_rows(market: Market, sim: _MarketplaceSim, as_of):
    currency = sim.profile.currency
    for item in sim.items:
        listing = item.listing
        if listing.listed_date > as_of:
            break  # items are in publication order: the rest were published later too
        episodes = _episodes(item, as_of)
        _, end_date, end_reason = episodes[-1]
        sold = item.sale_date is not None and item.sale_date <= as_of
        sale_date, sale_price = (item.sale_date, sim.decimal(item.sale_price)) if sold else (None, None)
        last_markdown_later = item.last_markdown is not None and item.last_markdown > as_of
        yield (
            listing.marketplace, str(listing.listing_id), str(listing.variant_id), listing.sku,
            listing.brand, listing.model, listing.size, listing.condition, listing.color,
            listing.material, listing.style, listing.hardware_color, listing.category, listing.is_bag,
            listing.listed_date, listing.published_at, end_date, end_reason, sale_date,
            sale_price, _usd(market, sale_price, currency, sale_date), currency,
            sim.decimal(item.first_price), sim.decimal(item.price_on(as_of)[0]),
            item.markdowns - last_markdown_later,
            listing.retail_price_usd, listing.show_retail, len(episodes) - 1,
        )  # fmt: skip


def _usd(market: Market, amount: Decimal | None, currency: str, day) -> Decimal | None:
    """The pipeline's rule: the ECB quotes of the last publication day on or before `day`."""
    if amount is None:
        return None
    return (amount * usd_per_unit(market, currency, day)).quantize(CENT, rounding=ROUND_HALF_UP)


def _episode_rows(sim: _MarketplaceSim, as_of):
    for item in sim.items:
        if item.listing.listed_date > as_of:
            break
        listing_id = str(item.listing.listing_id)
        for number, (start, end, reason) in enumerate(_episodes(item, as_of), start=1):
            yield sim.profile.key, listing_id, number, start, end, reason


def _price_rows(sim: _MarketplaceSim, as_of):
    for item in sim.items:
        if item.listing.listed_date > as_of:
            break
        listing_id = str(item.listing.listing_id)
        for effective, price, compare_at in item.history:
            if effective <= as_of:
                yield sim.profile.key, listing_id, effective, sim.decimal(price), sim.decimal(compare_at)


def _supply_rows(market: Market, sim: _MarketplaceSim):
    for day, (bags_visible, bags_available, products_visible) in sorted(sim.supply_by_day.items()):
        if market.start_date <= day <= market.current_day:
            yield sim.profile.key, day, bags_visible, bags_available, products_visible


def _fx_rows(market: Market):
    for day in reversed(publication_days(market, market.history_start, market.current_day)):
        for currency, units_per_eur in quotes(market, day).items():
            yield day, currency, units_per_eur
