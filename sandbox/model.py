"""The contract between the simulated market and the marketplace replicas.

`Market` (sandbox/market.py) produces these records; each replica (sandbox/replicas/)
renders them in its marketplace's real format. Nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# The common condition scale (docs/market-model.md, seed `condition_grades`); replicas show native grades.
CONDITIONS = ("NEW", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR")


@dataclass(frozen=True, slots=True)
class Listing:
    """An item's fixed facts on one marketplace (what stays the same from day to day)."""

    marketplace: str  # "rebag", "vsp", "fashionphile", "dct", ...
    listing_id: int  # Shopify product id (~9e12)
    variant_id: int  # Shopify variant id (~5e13)
    sku: str  # e.g. "448936/3"
    brand: str  # canonical brand, e.g. "Hermès", "Louis Vuitton"
    model: str  # canonical model, e.g. "Birkin", "Classic Flap"
    size: str | None  # e.g. "30", "Medium", "MM"; None when the model has no sizes
    style: str  # model variant/material wording, e.g. "Quilted Caviar", "Togo"
    material: str  # exterior material, e.g. "Caviar Leather", "Canvas Coated"
    color: str  # exterior colour, e.g. "Black"
    hardware_color: str | None  # e.g. "Gold", "Palladium"
    condition: str  # common scale, one of CONDITIONS
    category: str  # product type, e.g. "Shoulder bags", "Totes"; non-bags "Wallets", "Shoes"
    is_bag: bool  # False for the wallets, shoes, jewellery mixed into the catalogue
    retail_price_usd: int | None  # estimated retail in USD (None for unknown)
    show_retail: bool  # the marketplace prints "Estimated Retail Price" for this item
    published_at: datetime  # tz-aware; the marketplace's own listing timestamp
    listed_date: date  # true listed date (the day the item went up)


@dataclass(slots=True)
class ListingState:
    """What a marketplace shows for one listing on one day."""

    listing: Listing
    price: Decimal  # ask price in the marketplace's currency, 2 decimals
    compare_at_price: Decimal | None  # pre-markdown price when marked down, else None
    available: bool  # False: sold (or on hold) but still shown
