"""A fixed catalogue for the sandbox server: the same listings every request, no simulation.

`SandboxServer` serves a `Market`; tests and benchmarks that need exact listings (a page of
48 Fashionphile bags, a catalogue with one sold bag every 9) give it a `FixedMarket` instead,
and keep the server's one HTTP layer and its faults (`Faults`, `set_faults`):

    states = sample_states(130)                                     # 119 bags, 11 wallets
    market = FixedMarket({"fashionphile": states}, day=date(2026, 9, 3))
    with SandboxServer(market, ["fashionphile"]) as sandbox:        # the registered replica
        ...
    with SandboxServer(market, replicas={"fashionphile": FashionphileReplica(hits_per_page=20)}):
        ...                                                         # a replica built by hand

A `FixedMarket` never moves: `advance_to` only changes the day served, there are no intraday
events, and a sold listing's own page is the state the catalogue gives it (`available=False`).
Exchange rates are the market's base rates (`sandbox.market.FX_BASE_UNITS_PER_USD`), every day.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.market import FX_BASE_UNITS_PER_USD, MarketEvent, MarketplaceProfile
from sandbox.model import CONDITIONS, Listing, ListingState

DEFAULT_DAY = date(2026, 9, 3)


class FixedMarket:
    """The `Market` methods `SandboxServer` uses, over fixed listing states per marketplace."""

    def __init__(self, states: Mapping[str, Sequence[ListingState]] | None = None, day: date = DEFAULT_DAY) -> None:
        self._states = {marketplace: list(listed) for marketplace, listed in (states or {}).items()}
        self._profiles: dict[str, MarketplaceProfile] = {}
        self.start_date = self.history_start = self.current_day = day

    @property
    def profiles(self) -> dict[str, MarketplaceProfile]:
        return dict(self._profiles)

    def add_profile(self, profile: MarketplaceProfile) -> None:
        """A config store's profile (its currency); its catalogue stays what was given (none: empty)."""
        self._profiles[profile.key] = profile

    def advance_to(self, day: date) -> None:
        """Serve `day` from now on (never backwards); the listings stay the same."""
        self.current_day = max(self.current_day, day)

    def visible(self, marketplace: str, day: date | None = None) -> list[ListingState]:
        return list(self._states.get(marketplace, []))

    def intraday_events(self, marketplace: str, day: date) -> list[MarketEvent]:
        return []  # a fixed catalogue never moves

    def fx_rate(self, currency: str, day: date) -> Decimal:
        return Decimal(str(FX_BASE_UNITS_PER_USD[currency]))

    def sold_states(self, marketplace: str, lock: Any) -> FixedSoldStates:
        return FixedSoldStates([s for s in self._states.get(marketplace, []) if not s.available])


class FixedSoldStates:
    """Sold listings' own pages: the sold states of the catalogue (the `Market.sold_states` interface)."""

    def __init__(self, sold: Sequence[ListingState]) -> None:
        self._by_id = {state.listing.listing_id: state for state in sold}

    def __call__(self, listing_id: int) -> ListingState | None:
        return self._by_id.get(listing_id)

    def by_handle(self, handle: str, handle_of: Callable[[ListingState], str]) -> ListingState | None:
        return next((state for state in self._by_id.values() if handle_of(state) == handle), None)


SAMPLE_BAGS = (
    ("Chanel", "Double Flap", "Medium", "Caviar Quilted", "Caviar Leather", "Shoulder bags"),
    ("Louis Vuitton", "Lodge", "GM", "Monogram Multicolor", "Canvas Coated", "Shoulder bags"),
    ("Hermès", "Birkin", "30", "Togo", "Togo Leather", "Top handle bags"),
    ("Christian Dior", "Lady Dior", "Medium", "Cannage Lambskin", "Lambskin", "Top handle bags"),
    ("Gucci", "Jackie 1961", "Small", "GG Supreme", "Canvas Coated", "Shoulder bags"),
    ("Celine", "Luggage", "Micro", "Drummed Calfskin", "Calfskin", "Totes"),
)
SAMPLE_NON_BAGS = (("Louis Vuitton", "Zippy Wallet", None, "Monogram", "Canvas Coated", "Wallets"),)
SAMPLE_COLOURS = ("Black", "Beige", "Red", "Gold", "Etoupe", "Blue")


def sample_states(count: int, *, marketplace: str = "fashionphile", seed: int = 7, sold_every: int = 9,
                  non_bag_every: int = 11, markdown_every: int = 5, start: datetime | None = None) -> list[ListingState]:
    """`count` deterministic listings, newest first: every `non_bag_every`-th a wallet, every
    `sold_every`-th (from the 5th) shown sold, every `markdown_every`-th (from the 3rd) marked down."""
    rng = random.Random(seed)
    start = start or datetime(2026, 9, 1, 12, tzinfo=UTC)
    states: list[ListingState] = []
    for i in range(count):
        is_bag = not (non_bag_every and i % non_bag_every == non_bag_every - 1)
        brand, model, size, style, material, category = rng.choice(SAMPLE_BAGS if is_bag else SAMPLE_NON_BAGS)
        listing_id = 9_100_000_000_000 + i * 7919 + rng.randrange(7000)
        price = Decimal(rng.randrange(900, 25000))
        compare = price + Decimal(rng.randrange(100, 900)) if markdown_every and i % markdown_every == 2 else None
        published = start - timedelta(hours=3 * i)
        listing = Listing(
            marketplace=marketplace, listing_id=listing_id, variant_id=49_000_000_000_000 + i,
            sku=str(1_100_000 + i), brand=brand, model=model, size=size, style=style,
            material=material, color=rng.choice(SAMPLE_COLOURS), hardware_color="Gold",
            condition=CONDITIONS[i % len(CONDITIONS)], category=category, is_bag=is_bag,
            retail_price_usd=None, show_retail=False, published_at=published,
            listed_date=published.date(),
        )
        sold = bool(sold_every) and i % sold_every == 4
        states.append(ListingState(listing=listing, price=price.quantize(Decimal("0.01")),
                                   compare_at_price=compare, available=not sold))
    return states
