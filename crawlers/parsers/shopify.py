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
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from radar.items import ListingItem
from radar.lake import count_problem


class NotShopifyJSON(ValueError):
    """The body is not the Shopify JSON we asked for (challenge page, HTML, wrong shape)."""


def _load_json(body: bytes | str) -> Any:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        raise NotShopifyJSON(f"expected JSON, got {stripped[:80]!r}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # also an int of 4,300+ digits, arrays nested 1,000 deep
        raise NotShopifyJSON(f"invalid JSON: {str(exc)[:200]}") from None


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
        """The count, or None when there is none or it is no count (negative, not an integer,
        beyond int64: the spider then marks the snapshot incomplete, "products_count unavailable")."""
        value = self.data.get("products_count")
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,19}", value.strip()):
            value = int(value)
        return value if isinstance(value, int) and count_problem(value) is None else None


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
        options: list[Any] = data["options"] if isinstance(data.get("options"), list) else []
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
    """Integer cents (the .js shape) -> the feed's "9115.00"; None stays None, so does a value
    that is no number."""
    amount = to_decimal(value)
    if amount is None:
        return None
    amount = amount.scaleb(-2)
    return f"{amount:.2f}" if abs(amount) < 10**15 else str(amount)  # an absurd one stays short text


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from the feed's text or number; None when there is none or it is no
    number ("", "abc", "NaN", "Infinity", true). Range is not judged here: the lake writer
    drops what the raw schema cannot hold (price_out_of_range)."""
    if value is None or value == "" or isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def to_utc(value: str | None) -> datetime | None:
    """ISO-8601 with offset ("2026-08-15T03:55:12-04:00") -> aware UTC datetime."""
    if not value:
        return None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # not a timestamp, or one UTC cannot hold ("0001-01-01T00:00+05:00")
        return None


# A <script> or <style> element with its content (an unclosed one runs to the end, as in a browser).
_SCRIPT_OR_STYLE = re.compile(r"(?is)<(script|style)\b[^>]*>.*?(?:</\1\s*>|\Z)")


def html_to_text(body_html: str | None) -> str:
    """Body HTML -> text with one line per <br>/<p>/<li>, entities decoded; the content of
    <script> and <style> elements is no text and is dropped."""
    if not body_html:
        return ""
    text = _SCRIPT_OR_STYLE.sub("", body_html)
    text = re.sub(r"(?i)<\s*(br|/p|/li|/div|/h\d)\s*/?>", "\n", text)
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


# ---------------------------------------------------------------- product shape

_PRODUCT_TEXT_KEYS = ("title", "handle", "vendor", "product_type", "body_html", "published_at", "created_at")
_VARIANT_TEXT_KEYS = ("title", "option1", "option2", "option3", "sku")


def check_product_shape(product: Any) -> None:
    """Raise NotShopifyJSON naming the first key whose value has the wrong JSON type (a title
    that is a number, variants that are not a list of objects, ...), so every field method can
    trust its input: a product parses into an item or fails with this one named error."""
    if not isinstance(product, dict) or product.get("id") is None:
        raise NotShopifyJSON("product without id")
    product_id = product["id"]
    if isinstance(product_id, bool) or not isinstance(product_id, int | str):
        raise NotShopifyJSON(f"product id {str(product_id)[:40]!r} is not a number or text")
    where = f"product {str(product_id)[:40]}"
    for key in _PRODUCT_TEXT_KEYS:
        if product.get(key) is not None and not isinstance(product[key], str):
            raise NotShopifyJSON(f"{where}: `{key}` is not text")
    if product.get("tags") is not None and not isinstance(product["tags"], str | list):
        raise NotShopifyJSON(f"{where}: `tags` is neither a list nor text")
    if product.get("options") is not None and not isinstance(product["options"], list):
        raise NotShopifyJSON(f"{where}: `options` is not a list")
    variants = product.get("variants")
    if variants is None:
        return
    if not isinstance(variants, list) or not all(isinstance(v, dict) for v in variants):
        raise NotShopifyJSON(f"{where}: `variants` is not a list of objects")
    for variant in variants:
        for key in _VARIANT_TEXT_KEYS:
            if variant.get(key) is not None and not isinstance(variant[key], str):
                raise NotShopifyJSON(f"{where}: variant `{key}` is not text")
        if variant.get("id") is not None and (isinstance(variant["id"], bool) or not isinstance(variant["id"], int | str)):
            raise NotShopifyJSON(f"{where}: variant `id` is not a number or text")


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
        check_product_shape(product)
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
        raw = self.variant.get("price")
        price = to_decimal(raw)
        if price is None:
            problem = "has no variant price" if raw in (None, "") else f"has a price that is no number: {str(raw)[:40]!r}"
            raise NotShopifyJSON(f"product {self.product.get('id')} {problem}")
        return price

    def currency(self) -> str:
        return self.currency_code

    def compare_at_price(self) -> Decimal | None:
        value = to_decimal(self.variant.get("compare_at_price"))
        return value if value is not None and value > 0 else None

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
