"""The one listing item every marketplace spider yields.

Fields keep the site's own wording (raw_*); normalisation to canonical brand, model,
condition and USD happens in SQL (transformations/sql/intermediate), where it can be
rebuilt from the lake. The same fields define the raw Parquet schema (radar/lake.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass
class ListingItem:
    marketplace: str  # our key for the site: "rebag", "vsp", "fashionphile", ...
    listing_id: str  # the site's product id, as text (ids exceed 2^53 on some sites)
    snapshot_date: date  # the day the crawl observed the listing
    url: str  # the public product page
    title: str  # as the site shows it
    brand_raw: str | None  # e.g. vendor "Hermes", "Christian Dior"
    model_raw: str | None  # e.g. Rebag tag meta-model-birkin -> "birkin", or a title fragment
    size_raw: str | None
    color_raw: str | None
    material_raw: str | None
    condition_raw: str | None  # the site's grade ("Excellent", "Shows Wear"), never Rebag's option1
    price: Decimal  # current ask in `currency`
    currency: str  # ISO 4217
    compare_at_price: Decimal | None  # pre-markdown price where the site shows one
    available: bool  # False: the site shows the item as sold / sold out
    published_at: datetime | None  # the site's listing timestamp (UTC)
    estimated_retail_price: Decimal | None  # the site's retail estimate, in `currency`
    variant_id: str | None = None
    sku: str | None = None
    product_type: str | None = None
    raw_attributes: dict[str, str] = field(default_factory=dict)  # everything else worth keeping
    scraped_at: datetime | None = None  # set by the pipeline (UTC)
