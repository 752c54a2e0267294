"""Generic Shopify resellers, one replica class driven by options (`sandbox/stores.yaml`).

Adding a store is an options entry, no code:

    from sandbox.replicas.stores import StoreOptions, register_store
    register_store(StoreOptions(key="lovethatbag", name="Love That Bag", title="{brand} {model} {size}",
                                bag_collections=["bags"]))

(plus a market profile for the key: `market_profile_fields(options)` gives its fields, and
`SandboxServer` adds it to the market when the market does not know the key).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from radar.text import fold_accents
from sandbox.long_tail import long_tail_noun, site_wording
from sandbox.model import CONDITIONS, Listing, ListingState
from sandbox.replicas import register_replica
from sandbox.replicas.shopify import ShopifyReplica, StoreProduct, slugify

STORES_PATH = Path(__file__).resolve().parent.parent / "stores.yaml"
TITLE_FIELDS = {"brand", "model", "size", "color", "style", "material", "hardware", "hardware_phrase"}
STORE_NOUN_SHARE = 0.3  # of long-tail listings whose title adds a noun after the model ("Sully Bag")
DEFAULT_CONDITION_WORDS = {"NEW": "New", "EXCELLENT": "Excellent", "VERY_GOOD": "Very Good", "GOOD": "Good", "FAIR": "Fair"}
UtcOffset = timezone  # inside StoreOptions the field `timezone` hides the class


class StoreOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    name: str
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    timezone: str = Field("-04:00", pattern=r"^[+-]\d{2}:\d{2}$")
    vendor: str = "brand"  # "brand" or a house name
    brand_case: Literal["as_is", "upper", "ascii"] = "as_is"
    title: str = "{brand} {model} {style} {size}"
    bag_collections: list[str] = Field(default_factory=lambda: ["handbags"], min_length=1)
    bag_product_type: str = "Handbags"  # "category": the listing's own category
    brand_collections: bool = False
    details_in: Literal["body", "tags"] = "body"
    condition_words: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CONDITION_WORDS))
    market: dict[str, Any] = Field(default_factory=dict)

    @field_validator("title")
    @classmethod
    def _known_title_fields(cls, value: str) -> str:
        unknown = set(re.findall(r"{(\w+)}", value)) - TITLE_FIELDS
        if unknown:
            raise ValueError(f"unknown title field(s) {sorted(unknown)}; known: {sorted(TITLE_FIELDS)}")
        return value

    @field_validator("condition_words")
    @classmethod
    def _covers_the_scale(cls, value: dict[str, str]) -> dict[str, str]:
        missing = set(CONDITIONS) - set(value)
        if missing:
            raise ValueError(f"condition_words misses {sorted(missing)}")
        return value

    @property
    def tzinfo(self) -> UtcOffset:
        sign = -1 if self.timezone.startswith("-") else 1
        hours, minutes = (int(part) for part in self.timezone[1:].split(":"))
        return timezone(sign * timedelta(hours=hours, minutes=minutes))


class ConfigStoreReplica(ShopifyReplica):
    def __init__(self, marketplace: str, currency: str, options: StoreOptions) -> None:
        super().__init__(marketplace, currency)
        self.options = options
        self.store_name = options.name
        self.timezone = options.tzinfo

    def handle_for(self, listing: Listing) -> str:
        return f"{slugify(self.title(listing))}-{slugify(listing.sku)}"

    def collections_for(self, listing: Listing) -> Iterable[str]:
        if listing.is_bag:
            yield from self.options.bag_collections
        else:
            yield slugify(listing.category)
        if self.options.brand_collections:
            yield slugify(listing.brand)

    def declared_collections(self) -> Iterable[str]:
        return ("all", *self.options.bag_collections)

    def store_product(self, state: ListingState, day: date) -> StoreProduct:
        listing = state.listing
        details = self.details(listing)
        tags = [self.brand(listing), listing.category]
        if self.options.details_in == "tags":
            tags += [f"{label.lower()}:{value}" for label, value in details.items()]
        return StoreProduct(
            title=self.title(listing),
            handle=self.handle_for(listing),
            body_html=self.body(listing, details),
            vendor=self.brand(listing) if self.options.vendor == "brand" else self.options.vendor,
            product_type=self.product_type(listing),
            tags=tags,
            options=[("Title", "Default Title")],
        )

    def brand(self, listing: Listing) -> str:
        case = self.options.brand_case
        return listing.brand.upper() if case == "upper" else fold_accents(listing.brand) if case == "ascii" else listing.brand

    def title(self, listing: Listing) -> str:
        hardware = listing.hardware_color or ""
        fields = {
            "brand": self.brand(listing),
            "model": self.model_words(listing),
            "size": listing.size or "",
            "color": listing.color,
            "style": listing.style,
            "material": listing.material,
            "hardware": hardware,
            "hardware_phrase": f"{hardware} Hardware" if hardware else "",
        }
        return " ".join(self.options.title.format(**fields).split())

    def model_words(self, listing: Listing) -> str:
        """The model as this store writes it: a long-tail model varies (accents, other names, a noun)."""
        wording = site_wording(listing, self.marketplace)
        if wording is None:
            return listing.model
        return " ".join(part for part in (wording, long_tail_noun(listing, self.marketplace, STORE_NOUN_SHARE)) if part)

    def product_type(self, listing: Listing) -> str:
        if listing.is_bag and self.options.bag_product_type != "category":
            return self.options.bag_product_type
        return listing.category

    def details(self, listing: Listing) -> dict[str, str]:
        details = {"Condition": self.options.condition_words[listing.condition], "Color": listing.color,
                   "Material": listing.material}
        if listing.size:
            details["Size"] = listing.size
        return details

    def body(self, listing: Listing, details: dict[str, str]) -> str:
        intro = f"<p>{html.escape(self.title(listing))}. Authenticity guaranteed.</p>"
        if self.options.details_in == "tags":
            return intro
        items = "".join(f"<li>{label}: {html.escape(value)}</li>" for label, value in details.items())
        return f"{intro}<ul>{items}</ul>"


def load_store_options(path: Path | str = STORES_PATH) -> dict[str, StoreOptions]:
    raw = yaml.safe_load(Path(path).read_text()) or {}
    return {key: StoreOptions(key=key, **entry) for key, entry in (raw.get("stores") or {}).items()}


def register_store(options: StoreOptions) -> None:
    register_replica(options.key, lambda key, currency: ConfigStoreReplica(key, currency, options))
    STORE_OPTIONS[options.key] = options


def market_profile_fields(options: StoreOptions) -> dict[str, Any]:
    """Keyword arguments for `MarketplaceProfile` when the market does not know the store."""
    return {"key": options.key, "currency": options.currency, **options.market}


STORE_OPTIONS: dict[str, StoreOptions] = {}
for _options in load_store_options().values():
    register_store(_options)

__all__ = ["STORE_OPTIONS", "ConfigStoreReplica", "StoreOptions", "load_store_options", "market_profile_fields", "register_store"]
