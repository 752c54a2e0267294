"""A deterministic simulated resale market: the ground truth the pipeline is scored against.

Each marketplace is simulated on its own, day by day, from random streams seeded with
(seed, marketplace, day), so its history never depends on which other marketplaces exist or
on the order of calls. Sales, withdrawals and markdowns are scheduled as events (one pending
event per listing), so a day costs what happens that day, not the size of the stock.
The rules and their numbers are documented in docs/sandbox-market.md.
"""

from __future__ import annotations

import math
import random
import zlib
from array import array
from bisect import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo

from sandbox.catalogue import (
    ASSORTMENTS,
    COLOR_DEMAND,
    COLOR_VALUE,
    COLOR_WEIGHTS,
    CONDITION_DEMAND,
    CONDITION_VALUE,
    DEMAND_TREND_PER_30_DAYS,
    NON_BAG_MODELS,
    Model,
    models_for,
)
from sandbox.long_tail import LONG_TAIL_BAG_MODELS, LONG_TAIL_NON_BAG_MODELS, LONG_TAIL_SHARE
from sandbox.model import CONDITIONS, Listing, ListingState


@dataclass(frozen=True)
class MarketplaceProfile:
    key: str  # "rebag", "vsp", "fashionphile", "dct", "treasures", "madison"
    currency: str  # "USD" or "CAD" (vsp)
    live_listings: int  # steady-state number of live bag+non-bag listings at scale=1
    non_bag_share: float  # share of non-bag products in its catalogue
    sold_visible_share: float  # share of sold items that stay visible as unavailable
    sold_visible_days: int  # how many days they stay visible (the sale day counts as one)
    id_base: int  # base for Shopify product ids (~9e12), distinct per marketplace
    timezone: str = "America/New_York"  # zone of published_at
    assortment: str = "broad"  # key of sandbox.catalogue.ASSORTMENTS
    batch_publishing: bool = False  # the day's intake goes up in one burst before dawn (Rebag)
    sku_style: str = "prefixed"  # "item_slash" ("448936/3"), "numeric", "prefixed" ("DCT-10234")


DEFAULT_PROFILES: dict[str, MarketplaceProfile] = {
    p.key: p
    for p in (
        MarketplaceProfile("rebag", "USD", 4000, 0.2, 0.3, 2, 9_100_000_000_000,
                           batch_publishing=True, sku_style="item_slash"),
        MarketplaceProfile("vsp", "CAD", 600, 0.5, 0.0, 0, 8_900_000_000_000,
                           timezone="America/Toronto", assortment="mixed_apparel"),
        MarketplaceProfile("fashionphile", "USD", 1500, 0.15, 1.0, 3, 9_300_000_000_000,
                           timezone="America/Los_Angeles", sku_style="numeric"),
        MarketplaceProfile("dct", "USD", 300, 0.15, 0.0, 0, 8_700_000_000_000,
                           timezone="America/Denver", assortment="vintage"),
        MarketplaceProfile("treasures", "USD", 400, 0.1, 0.0, 0, 8_500_000_000_000, assortment="classic"),
        MarketplaceProfile("madison", "USD", 250, 0.05, 0.0, 0, 9_500_000_000_000, assortment="top_tier"),
    )
}  # fmt: skip

# --- the market's rules (docs/sandbox-market.md explains each) --------------------------
BURN_IN_DAYS = 180  # simulated before start_date so the first crawl meets aged stock
WITHDRAWAL_SHARE = 0.12  # of times on sale that end by the consignor pulling the item
RELIST_SHARE = 0.25  # of withdrawals that come back, same id
RELIST_AFTER_DAYS = (3, 14)
MARKDOWN_AFTER_DAYS = (14, 28)  # unsold this long -> a markdown (and again, up to MAX)
MARKDOWN_DEPTH = (0.05, 0.15)
MAX_MARKDOWNS = 3
CONSIGNMENT_DAYS = 180  # an episode this long ends: the consignor takes the item back
PRICE_ELASTICITY = 4.0  # sale hazard ~ (fair / ask) ** elasticity
MAX_DAILY_SALE_HAZARD = 0.6
ASK_PREMIUM = 0.03  # consignors ask a little above fair value on average ...
ASK_SPREAD = 0.12  # ... with this log-normal spread
SHOW_RETAIL_SHARE = 1 / 3  # Rebag prints "Estimated Retail Price" on about 1 in 3 items
ARRIVAL_GAP_GAIN = 0.2  # how hard intake pulls supply back to the steady state
OUTFLOW_MEMORY = 0.9  # smoothing of the daily outflow the intake replaces
WEEKDAY_INTAKE = (1.15, 1.15, 1.1, 1.05, 1.0, 0.75, 0.8)  # Monday..Sunday, mean 1
FX_BASE_UNITS_PER_USD = {"USD": 1.0, "CAD": 1.37, "EUR": 0.92, "GBP": 0.79}
FX_DAILY_VOLATILITY = 0.003

DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class MarketEvent:
    """One change a marketplace's visitors see during a day (Market.intraday_events).

    kind: "published" (a new listing, at its published_at), "relisted", "repriced" (a markdown
    or a relist price), "sold" (stays shown, unavailable), "ended" (sold or withdrawn: gone),
    "hidden" (a sold item's shown days are over). `state` is None when the listing is gone.
    """

    at_seconds: float  # seconds after the marketplace's local midnight
    listing_id: int
    kind: str
    state: ListingState | None


# Listing event kinds (one pending per listing at any time).
_END, _MARKDOWN, _EXPIRE, _RELIST, _HIDE = range(5)
# Listing statuses.
_LIVE, _SOLD_VISIBLE, _SOLD, _WITHDRAWN = range(4)


class _Item:
    """The simulator's mutable record of one listing (prices in integer cents)."""

    __slots__ = (
        "base_hazard",
        "compare_at",
        "episodes",
        "expiry",
        "fair",
        "first_price",
        "history",
        "last_markdown",
        "listing",
        "markdowns",
        "next_markdown",
        "price",
        "relist_count",
        "sale_date",
        "sale_price",
        "status",
    )  # fmt: skip

    def __init__(self, listing: Listing, fair: float, base_hazard: float, price: int, day: date):
        self.listing = listing
        self.fair = fair  # fair value, marketplace currency cents
        self.base_hazard = base_hazard  # daily sale probability at a fair ask
        self.price = price
        self.first_price = price
        self.compare_at: int | None = None
        self.history: list[tuple[date, int, int | None]] = [(day, price, None)]
        self.episodes: list[tuple] = []  # (start, end | None, reason | None)
        self.status = _LIVE
        self.sale_date: date | None = None
        self.sale_price: int | None = None
        self.markdowns = 0
        self.relist_count = 0
        self.next_markdown: date | None = None
        self.expiry: date = day
        self.last_markdown: date | None = None  # day of the latest markdown (truth as of an earlier day)

    def price_on(self, day: date) -> tuple[int, int | None]:
        for effective, price, compare_at in reversed(self.history):
            if effective <= day:
                return price, compare_at
        raise ValueError(f"listing {self.listing.listing_id} not yet listed on {day}")


def _day_rng(seed: int, stream: str, day: date) -> random.Random:
    # str seeds hash with SHA-512: stable across processes, unlike hash().
    return random.Random(f"{seed}|{stream}|{day.isoformat()}")


def _poisson(lam: float, rng: random.Random) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _days_until(daily_probability: float, rng: random.Random) -> int:
    """Geometric waiting time (>= 1 day) for an event with this daily probability."""
    if daily_probability >= 1:
        return 1
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - daily_probability))


def _round_price(cents: float) -> int:
    """Marketplaces ask whole multiples of 5 (Rebag: 885.00, 1360.00)."""
    return max(500, round(cents / 500.0) * 500)


class _Weighted:
    """Fast repeated weighted choice."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class FxRates:
    """Daily units of currency per USD: a mean-reverting random walk, seeded per day."""

    def __init__(self, seed: int, origin: date):
        self._seed = seed
        self._origin = origin
        self._rates: dict[str, list[float]] = {}

    def rate(self, currency: str, day: date) -> float:
        if currency not in FX_BASE_UNITS_PER_USD:
            raise ValueError(f"unknown currency {currency!r}")
        offset = (day - self._origin).days
        if offset < 0:
            raise ValueError(f"no FX before the simulation starts ({self._origin})")
        series = self._rates.setdefault(currency, [])
        while len(series) <= offset:
            series.append(self._next_rate(currency, series))
        return series[offset]

    def _next_rate(self, currency: str, series: list[float]) -> float:
        base = FX_BASE_UNITS_PER_USD[currency]
        if currency == "USD":
            return 1.0
        if not series:
            return base
        day = self._origin + timedelta(days=len(series))
        log_rate = math.log(series[-1])
        shock = _day_rng(self._seed, f"fx-{currency}", day).gauss(0.0, FX_DAILY_VOLATILITY)
        log_rate += 0.02 * (math.log(base) - log_rate) + shock
        return round(math.exp(log_rate), 6)


class _MarketplaceSim:
    """One marketplace's stock and history."""

    def __init__(self, profile: MarketplaceProfile, seed: int, scale: float, origin: date, start: date, fx: FxRates,
                 long_tail_share: float = LONG_TAIL_SHARE):
        self.profile = profile
        self.seed = seed
        self.start = start
        self.fx = fx
        self.tz = ZoneInfo(profile.timezone)
        assortment = ASSORTMENTS[profile.assortment]
        self.models = {True: _Weighted(models_for(assortment, True)),
                       False: _Weighted(models_for(assortment, False, NON_BAG_MODELS + LONG_TAIL_NON_BAG_MODELS))}
        # the open world: this share of new bags are models the normaliser's seeds never name
        self.long_tail_share = long_tail_share
        self.long_tail = _Weighted(models_for(assortment, True, LONG_TAIL_BAG_MODELS))
        self.conditions = _Weighted([(c, assortment.condition_mix.get(c, 0.0)) for c in CONDITIONS])
        self.colors = _Weighted(COLOR_WEIGHTS.items())
        live = profile.live_listings * scale
        self.target = {False: round(live * profile.non_bag_share)}
        self.target[True] = max(1, round(live) - self.target[False])
        self.live = {True: 0, False: 0}  # available listings per segment (is_bag)
        self.outflow = {True: 0.0, False: 0.0}  # smoothed daily exits net of relists
        self.items: list[_Item] = []
        self.calendar: dict[date, list[tuple[int, int]]] = {}
        self.shown: set[int] = set()  # indices of listings a full crawl sees today
        self.bags_visible = self.bags_available = 0
        self.visible_by_day: dict[date, array] = {}
        self.supply_by_day: dict[date, tuple[int, int, int]] = {}
        self.next_product_id = profile.id_base
        self.next_variant_id = round(profile.id_base * 5.25)
        self.next_item_number = 300_000
        self.day = origin - timedelta(days=1)
        self._decimals: dict[int, Decimal] = {}

    # --- running -------------------------------------------------------------------------
    def run_until(self, day: date) -> None:
        while self.day < day:
            self.day += timedelta(days=1)
            self._simulate(self.day)

    def _simulate(self, day: date) -> None:
        rng = _day_rng(self.seed, self.profile.key, day)
        outflow = {True: 0, False: 0}
        for index, kind in self.calendar.pop(day, ()):
            item = self.items[index]
            outflow[item.listing.is_bag] += self._handle(item, index, kind, day, rng)
        for segment in (True, False):
            self.outflow[segment] = OUTFLOW_MEMORY * self.outflow[segment] + (1 - OUTFLOW_MEMORY) * outflow[segment]
        self._intake(day, rng)
        self.supply_by_day[day] = (self.bags_visible, self.bags_available, len(self.shown))
        if day >= self.start:
            self.visible_by_day[day] = array("i", sorted(self.shown, reverse=True))

    def _handle(self, item: _Item, index: int, kind: int, day: date, rng: random.Random) -> int:
        """Apply one event; returns its effect on live supply (+1 left, -1 came back)."""
        if kind == _END:
            if rng.random() < WITHDRAWAL_SHARE:
                self._withdraw(item, index, day, rng, may_relist=True)
            else:
                self._sell(item, index, day, rng)
            return 1
        if kind == _EXPIRE:
            self._withdraw(item, index, day, rng, may_relist=False)
            return 1
        if kind == _MARKDOWN:
            self._mark_down(item, index, day, rng)
            return 0
        if kind == _RELIST:
            self._relist(item, index, day, rng)
            return -1
        self._hide_sold(item, index)
        return 0

    def _schedule(self, index: int, kind: int, day: date) -> None:
        self.calendar.setdefault(day, []).append((index, kind))

    def _plan(self, item: _Item, index: int, day: date, rng: random.Random) -> None:
        """Schedule the listing's next event: end of this time on sale, a markdown or expiry."""
        sale = min(MAX_DAILY_SALE_HAZARD, item.base_hazard * (item.fair / item.price) ** PRICE_ELASTICITY)
        # Withdrawals compete with sales at a proportional rate, so WITHDRAWAL_SHARE of ends
        # are withdrawals whatever the model's demand.
        end_probability = min(0.95, sale / (1 - WITHDRAWAL_SHARE))
        end = day + timedelta(days=_days_until(end_probability, rng))
        nxt, kind = end, _END
        if item.next_markdown is not None and item.next_markdown < nxt:
            nxt, kind = item.next_markdown, _MARKDOWN
        if item.expiry < nxt:
            nxt, kind = item.expiry, _EXPIRE
        self._schedule(index, kind, nxt)

    # --- lifecycle -------------------------------------------------------------------------
    def _start_episode(self, item: _Item, index: int, day: date, rng: random.Random) -> None:
        item.status = _LIVE
        item.episodes.append((day, None, None))
        item.expiry = day + timedelta(days=CONSIGNMENT_DAYS)
        item.next_markdown = self._markdown_due(item, day, rng)
        self.shown.add(index)
        self._count(item, visible=1, available=1)
        self._plan(item, index, day, rng)

    def _markdown_due(self, item: _Item, day: date, rng: random.Random) -> date | None:
        if item.markdowns >= MAX_MARKDOWNS:
            return None
        return day + timedelta(days=rng.randint(*MARKDOWN_AFTER_DAYS))

    def _count(self, item: _Item, visible: int, available: int) -> None:
        is_bag = item.listing.is_bag
        self.live[is_bag] += available
        if is_bag:
            self.bags_visible += visible
            self.bags_available += available

    def _end_episode(self, item: _Item, day: date, reason: str) -> None:
        item.episodes[-1] = (item.episodes[-1][0], day, reason)

    def _sell(self, item: _Item, index: int, day: date, rng: random.Random) -> None:
        item.sale_date, item.sale_price = day, item.price
        self._end_episode(item, day, "sold")
        profile = self.profile
        stays = profile.sold_visible_days > 0 and rng.random() < profile.sold_visible_share
        if stays:
            item.status = _SOLD_VISIBLE
            self._count(item, visible=0, available=-1)
            self._schedule(index, _HIDE, day + timedelta(days=profile.sold_visible_days))
        else:
            item.status = _SOLD
            self.shown.discard(index)
            self._count(item, visible=-1, available=-1)

    def _hide_sold(self, item: _Item, index: int) -> None:
        item.status = _SOLD
        self.shown.discard(index)
        self._count(item, visible=-1, available=0)

    def _withdraw(self, item: _Item, index: int, day: date, rng: random.Random, may_relist: bool) -> None:
        item.status = _WITHDRAWN
        self._end_episode(item, day, "withdrawn")
        self.shown.discard(index)
        self._count(item, visible=-1, available=-1)
        if may_relist and rng.random() < RELIST_SHARE:
            self._schedule(index, _RELIST, day + timedelta(days=rng.randint(*RELIST_AFTER_DAYS)))

    def _relist(self, item: _Item, index: int, day: date, rng: random.Random) -> None:
        item.relist_count += 1
        if rng.random() < 0.5:  # half come back repriced, which is often why they were pulled
            self._set_price(item, item.price * (1 - rng.uniform(*MARKDOWN_DEPTH)), day)
        self._start_episode(item, index, day, rng)

    def _mark_down(self, item: _Item, index: int, day: date, rng: random.Random) -> None:
        self._set_price(item, item.price * (1 - rng.uniform(*MARKDOWN_DEPTH)), day)
        item.markdowns += 1
        item.last_markdown = day
        item.next_markdown = self._markdown_due(item, day, rng)
        self._plan(item, index, day, rng)

    def _set_price(self, item: _Item, cents: float, day: date) -> None:
        new_price = _round_price(cents)
        if new_price == item.price:
            return
        item.price = new_price
        # Shopify's compare_at_price: the original price, shown once the item is marked down.
        item.compare_at = item.first_price if new_price < item.first_price else None
        if item.history[-1][0] == day:
            item.history.pop()
        item.history.append((day, new_price, item.compare_at))

    # --- intake ----------------------------------------------------------------------------
    def _intake(self, day: date, rng: random.Random) -> None:
        segments = []
        for is_bag in (True, False):
            segments += [is_bag] * _poisson(self._expected_intake(is_bag, day), rng)
        rng.shuffle(segments)
        for is_bag, published_at in zip(segments, self._publish_times(day, len(segments), rng)):
            self._create(is_bag, day, published_at, rng)

    def _expected_intake(self, is_bag: bool, day: date) -> float:
        target = self.target[is_bag]
        if target == 0:
            return 0.0
        expected_outflow = self.outflow[is_bag]
        # The day's intake is counted in its snapshot, so aim below target by one day's intake.
        wanted = expected_outflow + ARRIVAL_GAP_GAIN * (target - expected_outflow - self.live[is_bag])
        # Capped so the burn-in fills the shelves over ~10 days rather than in one.
        return min(max(0.0, wanted), max(3.0, 0.1 * target)) * WEEKDAY_INTAKE[day.weekday()]

    def _publish_times(self, day: date, count: int, rng: random.Random) -> list[datetime]:
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        if self.profile.batch_publishing:
            seconds, offsets = rng.uniform(3 * 3600, 5 * 3600), []
            for _ in range(count):
                seconds += rng.randint(0, 2)
                offsets.append(seconds)
        else:
            offsets = sorted(rng.uniform(9 * 3600, 19 * 3600) for _ in range(count))
        return [midnight + timedelta(seconds=int(s)) for s in offsets]

    def _create(self, is_bag: bool, day: date, published_at: datetime, rng: random.Random) -> None:
        if is_bag and self.long_tail_share and rng.random() < self.long_tail_share:
            model: Model = self.long_tail.pick(rng)
        else:
            model = self.models[is_bag].pick(rng)
        size, retail = rng.choice(model.sizes)
        style = rng.choice(model.styles)
        color = style.color or self.colors.pick(rng)
        condition = self.conditions.pick(rng)
        fx = self.fx.rate(self.profile.currency, day)
        fair = 100 * retail * model.retention * CONDITION_VALUE[condition] * COLOR_VALUE.get(color, 1.0) * fx
        ask = _round_price(fair * math.exp(rng.gauss(ASK_PREMIUM, ASK_SPREAD)))
        demand = CONDITION_DEMAND[condition] * COLOR_DEMAND.get(color, 1.0) * self._trend(model, day)
        self.next_product_id += rng.randint(1_000, 120_000)
        self.next_variant_id += rng.randint(2_000, 240_000)
        listing = Listing(
            marketplace=self.profile.key,
            listing_id=self.next_product_id,
            variant_id=self.next_variant_id,
            sku=self._next_sku(rng),
            brand=model.brand,
            model=model.name,
            size=size,
            style=style.name,
            material=style.material,
            color=color,
            hardware_color=rng.choice(model.hardware) if model.hardware else None,
            condition=condition,
            category=model.category,
            is_bag=model.is_bag,
            retail_price_usd=retail,
            show_retail=rng.random() < SHOW_RETAIL_SHARE,
            published_at=published_at,
            listed_date=day,
        )
        item = _Item(listing, fair, demand / model.days_to_sell, ask, day)
        self.items.append(item)
        self._start_episode(item, len(self.items) - 1, day, rng)

    def _trend(self, model: Model, day: date) -> float:
        """Demand drift of models heating up or cooling down, 1.0 on start_date."""
        monthly = DEMAND_TREND_PER_30_DAYS.get((model.brand, model.name), 0.0)
        return min(2.0, max(0.5, (1 + monthly) ** ((day - self.start).days / 30)))

    def _next_sku(self, rng: random.Random) -> str:
        self.next_item_number += rng.randint(1, 4)
        style = self.profile.sku_style
        if style == "item_slash":
            return f"{self.next_item_number}/{rng.choices((1, 2, 3, 4), (70, 18, 8, 4))[0]}"
        if style == "numeric":
            return str(self.next_item_number + 1_000_000)
        return f"{self.profile.key[:4].upper()}-{self.next_item_number}"

    # --- reading -----------------------------------------------------------------------------
    @overload
    def decimal(self, cents: int) -> Decimal: ...
    @overload
    def decimal(self, cents: None) -> None: ...
    @overload
    def decimal(self, cents: int | None) -> Decimal | None: ...
    def decimal(self, cents: int | None) -> Decimal | None:
        if cents is None:
            return None
        value = self._decimals.get(cents)
        if value is None:
            value = self._decimals[cents] = Decimal(cents).scaleb(-2)
        return value

    def events(self, day: date) -> list[MarketEvent]:
        """visible(day - 1) -> visible(day) as timed events (see Market.intraday_events)."""
        before = {s.listing.listing_id: s for s in self.visible(day - timedelta(days=1))}
        after = {s.listing.listing_id: s for s in self.visible(day)}
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        events = []
        for listing_id, state in after.items():
            old = before.get(listing_id)
            if old is None:
                if state.listing.listed_date == day:  # a new listing goes up when it is published
                    at = (state.listing.published_at - midnight).total_seconds()
                    events.append(MarketEvent(min(max(at, 0.0), DAY_SECONDS - 1), listing_id, "published", state))
                else:
                    events.append(MarketEvent(self._moment(day, listing_id), listing_id, "relisted", state))
            elif (old.price, old.compare_at_price, old.available) != (state.price, state.compare_at_price, state.available):
                kind = "sold" if old.available and not state.available else "repriced"
                events.append(MarketEvent(self._moment(day, listing_id), listing_id, kind, state))
        for listing_id, old in before.items():
            if listing_id not in after:
                kind = "ended" if old.available else "hidden"  # hidden: a sold item's shown days are over
                events.append(MarketEvent(self._moment(day, listing_id), listing_id, kind, None))
        events.sort(key=lambda e: (e.at_seconds, e.listing_id))
        return events

    def _moment(self, day: date, listing_id: int) -> float:
        """When in the day an event happens: spread evenly over 24 hours, fixed per (listing, day)."""
        key = f"{self.seed}|{self.profile.key}|{listing_id}|{day.isoformat()}".encode()
        return zlib.crc32(key) / 2**32 * DAY_SECONDS

    def visible(self, day: date) -> list[ListingState]:
        states = []
        items, decimal = self.items, self.decimal
        for index in self.visible_by_day[day]:
            item = items[index]
            price, compare_at = item.price_on(day)
            available = item.sale_date is None or day < item.sale_date
            states.append(ListingState(item.listing, decimal(price), decimal(compare_at), available))
        return states


class Market:
    """The simulated market of every marketplace; see the module docstring."""

    def __init__(
        self,
        seed: int = 7,
        start_date: date = date(2026, 9, 1),
        scale: float = 1.0,
        profiles: Mapping[str, MarketplaceProfile] | None = None,
        long_tail_share: float = LONG_TAIL_SHARE,
    ):
        if not 0 <= long_tail_share < 1:
            raise ValueError(f"long_tail_share must be in [0, 1), got {long_tail_share}")
        self.seed = seed
        self.start_date = start_date
        self.scale = scale
        self.long_tail_share = long_tail_share
        self.history_start = start_date - timedelta(days=BURN_IN_DAYS)
        self._fx = FxRates(seed, self.history_start)
        self._current = start_date
        self._sims: dict[str, _MarketplaceSim] = {}
        for profile in (DEFAULT_PROFILES if profiles is None else profiles).values():
            self.add_profile(profile)

    @property
    def profiles(self) -> dict[str, MarketplaceProfile]:
        return {key: sim.profile for key, sim in self._sims.items()}

    def add_profile(self, profile: MarketplaceProfile) -> None:
        """Add a marketplace (e.g. a new config store); only before advancing past start_date."""
        if self._current != self.start_date:
            raise ValueError("add profiles before advancing past start_date")
        if profile.key in self._sims:
            raise ValueError(f"marketplace {profile.key!r} already exists")
        if profile.assortment not in ASSORTMENTS:
            raise ValueError(f"unknown assortment {profile.assortment!r}")
        self.fx_rate(profile.currency, self.start_date)  # rejects unknown currencies early
        sim = _MarketplaceSim(profile, self.seed, self.scale, self.history_start, self.start_date, self._fx,
                              self.long_tail_share)
        sim.run_until(self._current)
        self._sims[profile.key] = sim

    @property
    def current_day(self) -> date:
        return self._current

    def advance_to(self, day: date) -> None:
        if day < self._current:
            raise ValueError(f"cannot go back from {self._current} to {day}")
        for sim in self._sims.values():
            sim.run_until(day)  # a no-op for a day already simulated ahead (intraday_events)
        self._current = day

    def intraday_events(self, marketplace: str, day: date) -> list[MarketEvent]:
        """The events of `day` one by one, in the order they happen during that day.

        `day` may be the day after `current_day`: the marketplace is then simulated one day
        ahead (a moving sandbox shows a crawl of `current_day` the next day's events early),
        but `current_day`, `visible()` and the ground truth stay as of `current_day`.
        Each event carries the listing's state after it (None: gone from the site). Replaying
        the events in order on `visible(day - 1)` gives `visible(day)`.
        """
        if not self.start_date < day <= self._current + timedelta(days=1):
            raise ValueError(f"{day} is outside {self.start_date + timedelta(days=1)}..{self._current + timedelta(days=1)}")
        sim = self._sim(marketplace)
        sim.run_until(day)
        return sim.events(day)

    def visible(self, marketplace: str, day: date | None = None) -> list[ListingState]:
        """What the marketplace shows on `day`, newest published first (ties: higher id first)."""
        day = self._current if day is None else day
        if not self.start_date <= day <= self._current:
            raise ValueError(f"{day} is outside {self.start_date}..{self._current}")
        return self._sim(marketplace).visible(day)

    def fx_rate(self, currency: str, day: date) -> Decimal:
        """Units of `currency` per USD on `day` (USD -> 1)."""
        return Decimal(str(self._fx.rate(currency, day)))

    def write_truth(self, truth_dir: Path) -> None:
        from sandbox.truth import write_truth

        write_truth(self, Path(truth_dir))

    def sold_states(self, marketplace: str, lock: Any) -> SoldStates:
        """The sold listings' last states, for replicas that keep sold pages (`shown_sold`);
        `lock` guards the market (the server's market lock)."""
        return SoldStates(self, marketplace, lock)

    def _sim(self, marketplace: str) -> _MarketplaceSim:
        try:
            return self._sims[marketplace]
        except KeyError:
            raise KeyError(f"unknown marketplace {marketplace!r}; known: {sorted(self._sims)}") from None


class SoldStates:
    """A sold listing's last state by listing id, for replicas that keep sold pages (`shown_sold`).

    Reads the market's own record of the listing (its sale), so a page never says sold for a
    listing that was withdrawn: that one answers 404 as on every site."""

    def __init__(self, market: Market, marketplace: str, lock: Any) -> None:
        self.market, self.marketplace, self.lock = market, marketplace, lock
        self._by_id: dict[int, Any] = {}
        self._indexed = 0

    def __call__(self, listing_id: int) -> ListingState | None:
        with self.lock:
            sim = self.market._sim(self.marketplace)
            for known in sim.items[self._indexed:]:
                self._by_id[known.listing.listing_id] = known
            self._indexed = len(sim.items)
            item = self._by_id.get(listing_id)
            return None if item is None else self._sold(sim, item)

    @staticmethod
    def _sold(sim: Any, item: Any) -> ListingState | None:
        if item.sale_date is None:
            return None
        price = item.sale_price if item.sale_price is not None else item.price
        return ListingState(item.listing, sim.decimal(price), sim.decimal(item.compare_at), False)

    def by_handle(self, handle: str, handle_of: Any) -> ListingState | None:
        """The sold listing whose page is `handle` (handle_of(ListingState) -> handle)."""
        with self.lock:
            sim = self.market._sim(self.marketplace)
            for item in sim.items:
                state = self._sold(sim, item)
                if state is not None and handle_of(state) == handle:
                    return state
        return None
