"""Shopify storefront JSON: page objects for the feeds and a base product page object.

- `CollectionPage(body)`      `/collections/<h>.json` -> products_count
- `ProductsPage(body)`        `/collections/<h>/products.json?limit=250&page=N` -> products
- `AjaxProductPage(body)`     `/products/<handle>.js` (the theme's AJAX shape: prices in integer
                              cents, `available`) -> the same product in the feed's shape
- `ShopifyProduct(product, base_url, ...)` one product dict; one method per ListingItem field.
  Site modules (rebag, vsp, stores) subclass it and override the fields they know better.

All of them run on saved bytes / dicts: no network, no crawler.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from crawlers.items import ListingItem


class NotShopifyJSON(ValueError):
    """The body is not the Shopify JSON we asked for (challenge page, HTML, wrong shape)."""


def _load_json(body: bytes | str) -> Any:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        raise NotShopifyJSON(f"expected JSON, got {stripped[:80]!r}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotShopifyJSON(f"invalid JSON: {exc}") from None


class CollectionPage:
    """`/collections/<handle>.json`: {"collection": {"handle": ..., "products_count": N}}."""

    def __init__(self, body: bytes | str):
        data = _load_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("collection"), dict):
            raise NotShopifyJSON("no `collection` object")
        self.data = data["collection"]

    def handle(self) -> str | None:
        return self.data.get("handle")

    def products_count(self) -> int | None:
        value = self.data.get("products_count")
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


class ProductsPage:
    """`.../products.json?limit=L&page=N`: {"products": [...]}."""

    def __init__(self, body: bytes | str):
        data = _load_json(body)
        if not isinstance(data, dict) or not isinstance(data.get("products"), list):
            raise NotShopifyJSON("no `products` list")
        self.data = data

    def products(self) -> list[dict[str, Any]]:
        return [p for p in self.data["products"] if isinstance(p, dict) and p.get("id") is not None]

    def is_last(self, limit: int) -> bool:
        """A short or empty page ends the collection."""
        return len(self.data["products"]) < limit


class AjaxProductPage:
    """`/products/<handle>.js`: one product as the theme's AJAX API gives it.

    Differs from the feed: prices are integer cents (product and variants), `type` for
    `product_type`, `description` for `body_html`, `options` a list of names, `available` on
    the product and on each variant. `feed_product()` turns it into the feed's shape so the
    site's own ShopifyProduct subclass parses it like any product of a collection page.
    """

    def __init__(self, body: bytes | str):
        data = _load_json(body)
        if not isinstance(data, dict) or data.get("id") is None or not isinstance(data.get("variants"), list):
            raise NotShopifyJSON("no product with `id` and `variants`")
        self.data = data

    def listing_id(self) -> str:
        return str(self.data["id"])

    def available(self) -> bool:
        variants = [v for v in self.data["variants"] if isinstance(v, dict)]
        if "available" in self.data:
            return bool(self.data["available"])
        return any(bool(v.get("available")) for v in variants)

    def feed_product(self) -> dict[str, Any]:
        data = self.data
        variants = []
        for variant in data["variants"]:
            if not isinstance(variant, dict):
                continue
            variants.append({
                **{key: variant.get(key) for key in ("id", "title", "option1", "option2", "option3", "sku")},
                "available": bool(variant.get("available", data.get("available", True))),
                "price": cents_to_money(variant.get("price", data.get("price"))),
                "compare_at_price": cents_to_money(variant.get("compare_at_price")),
            })
        options = data.get("options") or []
        return {
            "id": data["id"],
            "title": data.get("title"),
            "handle": data.get("handle"),
            "body_html": data.get("description"),
            "published_at": data.get("published_at"),
            "created_at": data.get("created_at"),
            "vendor": data.get("vendor"),
            "product_type": data.get("type"),
            "tags": data.get("tags") or [],
            "variants": variants,
            "options": [
                option if isinstance(option, dict) else {"name": str(option), "position": position}
                for position, option in enumerate(options, 1)
            ],
        }


# ---------------------------------------------------------------- small value parsers


def cents_to_money(value: Any) -> str | None:
    """Integer cents (the .js shape) -> the feed's "9115.00"; None stays None."""
    if value is None or value == "":
        return None
    try:
        return f"{Decimal(str(value)) / 100:.2f}"
    except InvalidOperation:
        return None


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None


def to_utc(value: str | None) -> datetime | None:
    """ISO-8601 with offset ("2026-08-15T03:55:12-04:00") -> aware UTC datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def html_to_text(body_html: str | None) -> str:
    """Body HTML -> text with one line per <br>/<p>/<li>, entities decoded."""
    if not body_html:
        return ""
    text = re.sub(r"(?i)<\s*(br|/p|/li|/div|/h\d)\s*/?>", "\n", body_html)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text).replace("\xa0", " ")
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())


def body_label(body_text: str, label: str) -> str | None:
    """Value after `Label:` on its line ("Condition: Excellent. Exterior: ..." -> "Excellent. Exterior: ...")."""
    match = re.search(rf"(?im)^\s*{re.escape(label)}\s*:\s*(.*?)\s*$", body_text)
    if not match:
        return None
    value = match.group(1).strip()
    return value or None


def tags_of(product: dict[str, Any]) -> list[str]:
    """Tags as a list (the feed gives a list, single-product JSON a comma-separated string)."""
    tags = product.get("tags")
    if isinstance(tags, str):
        return [t.strip() for t in tags.split(",") if t.strip()]
    return [str(t) for t in tags or []]


def slug_to_words(slug: str) -> str:
    return slug.replace("-", " ").strip()


def find_in_title(title: str, words: str) -> str | None:
    """The title's own spelling of `words` (case-insensitive, hyphens as spaces), else None."""
    pattern = r"\b" + r"[\s\-]+".join(re.escape(w) for w in words.split()) + r"\b"
    match = re.search(pattern, title, re.IGNORECASE)
    return match.group(0) if match else None


def bag_filter_keeps(product: dict[str, Any], bag_filter: Any) -> bool:
    """Apply a config BagFilter (tags_any / product_types_any / exclude_product_types)."""
    product_type = (product.get("product_type") or "").strip().lower()
    if product_type and product_type in {t.lower() for t in bag_filter.exclude_product_types}:
        return False
    if bag_filter.keeps_everything:
        return True
    tags = {t.lower() for t in tags_of(product)}
    if tags & {t.lower() for t in bag_filter.tags_any}:
        return True
    return bool(product_type) and product_type in {t.lower() for t in bag_filter.product_types_any}


# ---------------------------------------------------------------- product page object


class ShopifyProduct:
    """One product dict from a Shopify feed. Subclasses override per-site fields."""

    marketplace = "shopify"
    default_currency: str | None = None  # a site with one currency sets it
    default_product_path = "/products/{handle}"

    def __init__(self, product: dict[str, Any], *, base_url: str, currency: str | None = None,
                 product_path: str | None = None, bag_filter: Any = None):
        currency = currency or self.default_currency
        if not currency:
            raise ValueError(f"{type(self).__name__} needs a currency")
        if not isinstance(product, dict) or product.get("id") is None:
            raise NotShopifyJSON("product without id")
        self.product = product
        self.base_url = base_url.rstrip("/")
        self.currency_code = currency
        self.product_path = product_path or self.default_product_path
        self.bag_filter = bag_filter  # a config BagFilter; None: the site's own rule
        self.tags = tags_of(product)
        self.body_text = html_to_text(product.get("body_html"))

    # -- helpers
    @property
    def variant(self) -> dict[str, Any]:
        variants = self.product.get("variants") or []
        return variants[0] if variants else {}

    # -- identity
    def listing_id(self) -> str:
        return str(self.product["id"])

    def url(self) -> str:
        return self.base_url + self.product_path.format(handle=self.product.get("handle", ""))

    def title(self) -> str:
        return (self.product.get("title") or "").strip()

    def variant_id(self) -> str | None:
        vid = self.variant.get("id")
        return str(vid) if vid is not None else None

    def sku(self) -> str | None:
        return self.variant.get("sku") or None

    def product_type(self) -> str | None:
        return self.product.get("product_type") or None

    # -- descriptive fields (sites override)
    def brand(self) -> str | None:
        vendor = (self.product.get("vendor") or "").strip()
        return vendor or None

    def model(self) -> str | None:
        return None

    def size(self) -> str | None:
        return None

    def color(self) -> str | None:
        return None

    def material(self) -> str | None:
        return None

    def condition(self) -> str | None:
        return None

    # -- commerce
    def price(self) -> Decimal:
        price = to_decimal(self.variant.get("price"))
        if price is None:
            raise NotShopifyJSON(f"product {self.product.get('id')} has no variant price")
        return price

    def currency(self) -> str:
        return self.currency_code

    def compare_at_price(self) -> Decimal | None:
        value = to_decimal(self.variant.get("compare_at_price"))
        return value if value and value > 0 else None

    def available(self) -> bool:
        variants = self.product.get("variants") or []
        flags = [v.get("available") for v in variants if "available" in v]
        return any(bool(f) for f in flags) if flags else True

    def published_at(self) -> datetime | None:
        return to_utc(self.product.get("published_at"))

    def estimated_retail_price(self) -> Decimal | None:
        return None

    def raw_attributes(self) -> dict[str, str]:
        return {"handle": str(self.product.get("handle") or "")}

    # -- bag filter
    def is_bag(self) -> bool:
        """The configured bag filter when given, else the site's own rule."""
        if self.bag_filter is not None:
            return bag_filter_keeps(self.product, self.bag_filter)
        return self.site_is_bag()

    def site_is_bag(self) -> bool:
        return True

    def to_item(self, marketplace: str, snapshot_date: date) -> ListingItem:
        return ListingItem(
            marketplace=marketplace,
            listing_id=self.listing_id(),
            snapshot_date=snapshot_date,
            url=self.url(),
            title=self.title(),
            brand_raw=self.brand(),
            model_raw=self.model(),
            size_raw=self.size(),
            color_raw=self.color(),
            material_raw=self.material(),
            condition_raw=self.condition(),
            price=self.price(),
            currency=self.currency(),
            compare_at_price=self.compare_at_price(),
            available=self.available(),
            published_at=self.published_at(),
            estimated_retail_price=self.estimated_retail_price(),
            variant_id=self.variant_id(),
            sku=self.sku(),
            product_type=self.product_type(),
            raw_attributes={k: v for k, v in self.raw_attributes().items() if v not in (None, "")},
        )
