"""Rebag (shop.rebag.com) product page object.

Facts (docs/marketplaces.md, checked on the captured page of 250 products):
- brand in `vendor`; the title has no brand ("Neverfull Tote Damier MM");
- tags decompose the title: `meta-model-<slug>`, `meta-style-<slug>`, `meta-size-<slug>`,
  `exterior-color-<c>`, `exterior-material-<m>`, condition `bc-filter-<Grade>`;
- `body_html` is a labelled block: Estimated Retail Price, Condition, Accessories,
  Measurements, Designer, Model, Exterior Material/Color, Hardware Color, Item Number;
- `variants[0].option1` ("Very Good | Item # 449043/1") is one grade off: never used for
  condition (kept in raw_attributes as `variant_option1` for audits only).
"""

from __future__ import annotations

import re
from decimal import Decimal

from crawlers.parsers.shopify import (
    ShopifyProduct,
    body_label,
    find_in_title,
    slug_to_words,
    to_decimal,
)

REBAG_GRADES = ("Pristine", "Excellent", "Great", "Very Good", "Good", "Fair", "Outlet")
BAG_TAGS = frozenset({"item-type-handbag", "handbag", "all-bags"})
CHANNEL_TAGS = ("walmart", "temu", "shein", "reflaunt_dropship", "reflaunt_created", "reflaunt_failed")


def _first_tag_value(tags: list[str], prefix: str) -> str | None:
    for tag in tags:
        if tag.startswith(prefix) and len(tag) > len(prefix):
            return tag[len(prefix):]
    return None


def _all_tag_values(tags: list[str], prefix: str) -> list[str]:
    return [t[len(prefix):] for t in tags if t.startswith(prefix) and len(t) > len(prefix)]


def _label(body_text: str, label: str) -> str | None:
    value = body_label(body_text, label)
    if value is None or value.strip().lower() in ("none", "n/a", "-"):
        return None
    return value


class RebagProduct(ShopifyProduct):
    marketplace = "rebag"
    default_currency = "USD"

    # ------------------------------------------------------------------ fields

    def model(self) -> str | None:
        """`meta-model-<slug>`, spelled as in the title ("Neverfull"), else the slug's words."""
        slug = _first_tag_value(self.tags, "meta-model-")
        if slug:
            words = slug_to_words(slug)
            return find_in_title(self.title(), words) or words
        return _label(self.body_text, "Model") or self.title() or None

    def size(self) -> str | None:
        """`meta-size-<slug>`, spelled as in the title ("MM", "Medium", "30")."""
        slug = _first_tag_value(self.tags, "meta-size-")
        if not slug:
            return None
        words = slug_to_words(slug)
        return find_in_title(self.title(), words) or words

    def color(self) -> str | None:
        """Body "Exterior Color: Black, Brown"; else the colour tags."""
        return (
            _label(self.body_text, "Exterior Color")
            or ", ".join(_all_tag_values(self.tags, "bc-filter-exterior-color-"))
            or ", ".join(slug_to_words(v).title() for v in _all_tag_values(self.tags, "exterior-color-"))
            or None
        )

    def material(self) -> str | None:
        """Body "Exterior Material: Canvas Coated"; else the material tags."""
        return (
            _label(self.body_text, "Exterior Material")
            or ", ".join(_all_tag_values(self.tags, "bc-filter-exterior-material-"))
            or ", ".join(slug_to_words(v).title() for v in _all_tag_values(self.tags, "exterior-material-"))
            or None
        )

    def condition(self) -> str | None:
        """`bc-filter-<Grade>` tag, else the body's "Condition: <Grade>." Never option1."""
        for tag in self.tags:
            if tag.startswith("bc-filter-") and tag[len("bc-filter-"):] in REBAG_GRADES:
                return tag[len("bc-filter-"):]
        line = _label(self.body_text, "Condition")
        if line:
            for grade in sorted(REBAG_GRADES, key=len, reverse=True):
                if re.match(rf"{re.escape(grade)}\b", line, re.IGNORECASE):
                    return grade
            return line.split(".")[0].strip() or None
        return None

    def estimated_retail_price(self) -> Decimal | None:
        """Body "Estimated Retail Price: $3,950" (about 1 in 3 items)."""
        value = _label(self.body_text, "Estimated Retail Price")
        if not value:
            return None
        match = re.search(r"[\d][\d,]*(?:\.\d+)?", value)
        return to_decimal(match.group(0)) if match else None

    def site_is_bag(self) -> bool:
        """Tags item-type-handbag / handbag / all-bags."""
        return bool(BAG_TAGS & set(self.tags))

    def raw_attributes(self) -> dict[str, str]:
        body = self.body_text
        condition_line = _label(body, "Condition") or ""
        attrs = {
            "handle": self.product.get("handle") or "",
            "item_number": _label(body, "Item Number") or "",
            "measurements": _label(body, "Measurements") or "",
            "accessories": _label(body, "Accessories") or "",
            "designer": _label(body, "Designer") or "",
            "body_model": _label(body, "Model") or "",
            "style": slug_to_words(_first_tag_value(self.tags, "meta-style-") or ""),
            "model_slug": _first_tag_value(self.tags, "meta-model-") or "",
            "size_slug": _first_tag_value(self.tags, "meta-size-") or "",
            "hardware_color": _label(body, "Hardware Color") or "",
            "interior_color": _label(body, "Interior Color") or "",
            "interior_material": _label(body, "Interior Material") or "",
            "condition_notes": condition_line.split(".", 1)[1].strip() if "." in condition_line else "",
            "item_type": _first_tag_value(self.tags, "item-type-") or "",
            "location": _first_tag_value(self.tags, "meta-v2-location-") or "",
            "channels": ",".join(t for t in CHANNEL_TAGS if t in self.tags),
            "variant_option1": self.variant.get("option1") or "",  # one grade off: audit only
            "variant_color": self.variant.get("option2") or "",
        }
        return attrs
