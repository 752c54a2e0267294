"""Generic Shopify reseller ("config store") page object: fields found by config rules.

Each field (brand, model, size, color, material, condition) has a rule in the store's
`fields` entry of crawlers/marketplaces.yaml:

    from: vendor             the product's vendor
    from: title_prefix       the longest known brand (`title_brands`) the title starts with
    from: title_after_brand  the title without its leading brand
    from: title              the whole title
    from: body_label         the value after "<label>:" in body_html ("Condition: Excellent.")
    from: tag_prefix         the first tag starting with <prefix> ("condition:Excellent")
    from: option             the variant's value of the option named <option> ("Color")
    from: none               not published by this store

Adding a store needs a config entry only; this module never names a store.
"""

from __future__ import annotations

from typing import Any

from crawlers.config import FieldRule
from crawlers.parsers.shopify import ShopifyProduct, body_label
from radar.text import fold_accents


def _fold(text: str) -> str:
    """Lowercase without accents: "Hermès" and "Hermes" compare equal."""
    return fold_accents(text).lower()


def _first_sentence(value: str | None) -> str | None:
    if not value:
        return None
    head = value.split(". ", 1)[0].strip().rstrip(".").strip()
    if head.lower() in ("none", "n/a", "-", ""):
        return None
    return head


class StoreProduct(ShopifyProduct):
    marketplace = "store"

    def __init__(self, product: dict[str, Any], *, base_url: str, currency: str,
                 product_path: str = "/products/{handle}", bag_filter: Any = None,
                 fields: dict[str, FieldRule] | None = None, title_brands: tuple[str, ...] = ()):
        super().__init__(product, base_url=base_url, currency=currency, product_path=product_path,
                         bag_filter=bag_filter)
        self.rules = dict(fields or {})
        self.title_brands = tuple(sorted(title_brands, key=len, reverse=True))

    # ------------------------------------------------------------------ rule engine

    def apply(self, field: str) -> str | None:
        rule = self.rules.get(field)
        if rule is None or rule.source == "none":
            return None
        source = rule.source
        if source == "vendor":
            return (self.product.get("vendor") or "").strip() or None
        if source == "title":
            return self.title() or None
        if source == "title_prefix":
            return self.title_brand()
        if source == "title_after_brand":
            return self.title_without_brand() or None
        if source == "body_label":
            return _first_sentence(body_label(self.body_text, rule.label or ""))
        if source == "tag_prefix":
            prefix = (rule.prefix or "").lower()
            for tag in self.tags:
                if tag.lower().startswith(prefix) and len(tag) > len(prefix):
                    return tag[len(prefix):].strip() or None
            return None
        if source == "option":
            return self.option_value(rule.option or "")
        raise ValueError(f"unknown rule source {source!r}")

    def title_brand(self) -> str | None:
        """The longest configured brand the title starts with, spelled as in the title."""
        title = self.title()
        folded = _fold(title)
        for brand in self.title_brands:
            key = _fold(brand)
            if folded.startswith(key) and (len(folded) == len(key) or not folded[len(key)].isalnum()):
                # same length after folding only when the title spells it with the same letters
                return title[: len(brand)] if _fold(title[: len(brand)]) == key else brand
        return None

    def title_without_brand(self) -> str:
        title = self.title()
        brand = self.brand()
        if brand and _fold(title).startswith(_fold(brand)):
            return title[len(brand):].lstrip(" -–—/:|").strip()
        return title

    def option_value(self, name: str) -> str | None:
        options = self.product.get("options") or []
        for position, option in enumerate(options, 1):
            if isinstance(option, dict) and str(option.get("name", "")).lower() == name.lower():
                value = self.variant.get(f"option{option.get('position') or position}")
                return value or None
        return None

    # ------------------------------------------------------------------ fields

    def brand(self) -> str | None:
        return self.apply("brand")

    def model(self) -> str | None:
        return self.apply("model")

    def size(self) -> str | None:
        return self.apply("size")

    def color(self) -> str | None:
        return self.apply("color")

    def material(self) -> str | None:
        return self.apply("material")

    def condition(self) -> str | None:
        return self.apply("condition")

    def raw_attributes(self) -> dict[str, str]:
        return {
            "handle": self.product.get("handle") or "",
            "vendor": self.product.get("vendor") or "",
            "tags": ",".join(self.tags)[:1000],
        }
