"""VSP Consignment (vspconsignment.com) product page object.

Facts (docs/marketplaces.md; sandbox/replicas/vsp.py renders them):
- every product's vendor is the house label "VSP Archive": the brand is the title's prefix,
  `<Brand> // <Description>`, e.g. "Chanel // Black Caviar Medium Classic Double Flap Bag";
- the description reads `<Colour> <Material/Style> [<Size>] <Model>`; the body's first
  paragraph names the model: "Chanel Classic Double Flap Bag in black quilted caviar ...";
- no colour field, no structured condition: "Condition: Excellent." or only a wear phrase
  ("Gently used with light wear ..."), mapped to the nearest grade word;
- prices in CAD; product pages localised under /en-us/products/<handle>;
- mixed catalogue: bags are product_type "Handbags" / tag "bags".
"""

from __future__ import annotations

import re

from crawlers.parsers.shopify import ShopifyProduct, body_label

HOUSE_LABELS = frozenset({"vsp archive", "vsp consignment", "vsp"})
SEPARATOR = " // "

COLOR_WORDS = (
    "Multicolor", "Black", "White", "Beige", "Brown", "Grey", "Gray", "Red", "Pink", "Blue", "Navy",
    "Green", "Orange", "Yellow", "Purple", "Burgundy", "Tan", "Cream", "Ivory", "Gold", "Silver",
    "Bronze", "Neutral", "Khaki", "Camel", "Rose", "Noir", "Etoupe", "Etain", "Gris", "Turquoise",
)
SIZE_TOKEN = re.compile(
    r"(?i)^(nano|micro|mini|small|medium|large|jumbo|maxi|teen|baby|pm|mm|gm|bb|xs|s|m|l|xl|\d{2,3}(?:\.\d)?)$"
)
# Wear phrases (no grade stated) -> the grade word they describe, checked in order.
CONDITION_PHRASES = (
    (re.compile(r"(?i)\b(brand new|new with tags|never used|unworn)\b"), "New"),
    (re.compile(r"(?i)\b(like[- ]new|minimal signs)\b"), "Excellent"),
    (re.compile(r"(?i)\b(gently used|light wear|lightly used)\b"), "Very Good"),
    (re.compile(r"(?i)\b(pre-?loved|visible wear|moderate wear)\b"), "Good"),
    (re.compile(r"(?i)\b(well[- ]loved|heavy wear|noticeable scuffs|significant wear)\b"), "Fair"),
)
BAG_TYPES = frozenset({"handbags", "handbag", "bags", "bag"})


class VspProduct(ShopifyProduct):
    marketplace = "vsp"
    default_currency = "CAD"
    default_product_path = "/en-us/products/{handle}"

    # ------------------------------------------------------------------ helpers

    def _split_title(self) -> tuple[str | None, str]:
        title = self.title()
        if SEPARATOR in title:
            brand, description = title.split(SEPARATOR, 1)
            return brand.strip() or None, description.strip()
        return None, title

    def description(self) -> str:
        return self._split_title()[1]

    def _summary(self) -> str:
        lines = [line for line in self.body_text.splitlines() if line.strip()]
        return lines[0] if lines else ""

    def _remainder(self) -> list[str]:
        """Description words before the model: `<Colour> <Material> [<Size>]`."""
        description, model = self.description(), self.model()
        if model and description.lower().endswith(model.lower()):
            description = description[: -len(model)]
        return description.split()

    # ------------------------------------------------------------------ fields

    def brand(self) -> str | None:
        brand = self._split_title()[0]
        if brand:
            return brand
        vendor = super().brand()
        return None if vendor is None or vendor.lower() in HOUSE_LABELS else vendor

    def model(self) -> str | None:
        """The body's "<Brand> <Model> in <colour> ..." (the description repeats it last)."""
        brand = self._split_title()[0]
        summary = self._summary()
        if brand and summary.lower().startswith(brand.lower() + " "):
            match = re.match(r"(.+?)\s+in\s+", summary[len(brand) + 1:])
            if match:
                words = match.group(1).strip()
                # spelled as in the title when the title has it
                description = self.description()
                at = description.lower().rfind(words.lower())
                return description[at: at + len(words)] if at >= 0 else words
        return self.description() or None

    def size(self) -> str | None:
        words = self._remainder()
        if len(words) >= 2 and SIZE_TOKEN.match(words[-1]):
            return words[-1]
        return None

    def color(self) -> str | None:
        """A colour word from the title (VSP has no colour field)."""
        for word in self._remainder() or self.description().split():
            for color in COLOR_WORDS:
                if word.lower() == color.lower():
                    return word
        return None

    def material(self) -> str | None:
        words = self._remainder()
        if words and self.color() == words[0]:
            words = words[1:]
        if words and self.size() == words[-1]:
            words = words[:-1]
        return " ".join(words) or None

    def condition(self) -> str | None:
        stated = body_label(self.body_text, "Condition")
        if stated:
            return stated.split(".")[0].strip() or None
        for pattern, grade in CONDITION_PHRASES:
            if pattern.search(self.body_text):
                return grade
        return None

    def site_is_bag(self) -> bool:
        """product_type "Handbags" or a tag "bags"."""
        product_type = (self.product.get("product_type") or "").lower()
        return product_type in BAG_TYPES or bool(BAG_TYPES & {t.lower() for t in self.tags})

    def raw_attributes(self) -> dict[str, str]:
        stated = body_label(self.body_text, "Condition")
        condition_text = next((line for line in self.body_text.splitlines()
                               if any(p.search(line) for p, _ in CONDITION_PHRASES) or line.startswith("Condition:")), "")
        return {
            "handle": self.product.get("handle") or "",
            "vendor": self.product.get("vendor") or "",
            "description": self.description(),
            "summary": self._summary(),
            "condition_text": condition_text,
            "condition_stated": "true" if stated else "false",
            "measurements": body_label(self.body_text, "Measurements") or "",
            "includes": body_label(self.body_text, "Includes") or "",
        }
