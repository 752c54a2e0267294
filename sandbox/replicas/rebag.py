"""Rebag (shop.rebag.com) replica, faithful to the captured page
`tests/fixtures/rebag/products-page-2026-08-15.json`.

What a crawler has to cope with, as on the real site:
- brand only in `vendor`, written Rebag's way ("Hermes", "Christian Dior", "Chloe");
- title `<Model> <Style> <Size>` without the brand, Rebag's model wording
  ("Classic Double Flap Bag Quilted Caviar Medium", "Birkin Handbag Grey Togo with Palladium
  Hardware 30");
- tags carrying the structure (`meta-model-*`, `meta-style-*`, `meta-size-*`, colours,
  materials, `bc-filter-<Grade>`, price buckets, item type, accessories, resale channels);
- `variants[0].option1` one grade *below* the real grade (the trap), `option2` the colour;
- the `body_html` block, with "Estimated Retail Price" only when `listing.show_retail`,
  and partner items whose body is only "Brand - Title";
- non-bags mixed in, sold items still listed with `available: false`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from radar.text import fold_accents
from sandbox.long_tail import site_wording
from sandbox.model import Listing, ListingState
from sandbox.replicas import register_replica
from sandbox.replicas.shopify import ShopifyReplica, StoreProduct, chance, pick, slugify

# Rebag's grade scale, best first; option1 shows the grade one step down ("Outlet"/"None" below Fair).
GRADES = ("Pristine", "Excellent", "Great", "Very Good", "Good", "Fair")
BELOW_FAIR = ("None", "Outlet")

VENDOR_NAMES = {
    "Hermès": "Hermes",
    "Dior": "Christian Dior",
    "Chloé": "Chloe",
    "Valentino": "Valentino Garavani",
    "Off-White": "Off White",
    "Yves Saint Laurent": "Saint Laurent",
    "Bulgari": "Bvlgari",
    "Céline": "Celine",
}

# Rebag's wording of the iconic models (its meta-model tag); others get a noun from the category.
MODEL_NAMES = {
    "Classic Flap": "Classic Double Flap Bag",
    "Boy": "Boy Flap Bag",
    "2.55 Reissue": "Reissue 2.55 Flap Bag",
    "Wallet on Chain": "Wallet on Chain",
    "19": "19 Flap Bag",
    "Birkin": "Birkin Handbag",
    "Kelly": "Kelly Handbag",
    "Evelyne": "Evelyne Bag Gen III",
    "Constance": "Constance Bag",
    "Picotin Lock": "Picotin Lock Bag",
    "Lindy": "Lindy Bag",
    "Garden Party": "Garden Party Tote",
    "Neverfull": "Neverfull Tote",
    "Speedy": "Speedy Handbag",
    "Speedy Bandouliere": "Speedy Bandouliere Bag",
    "Alma": "Alma Handbag",
    "Pochette Metis": "Pochette Metis",
    "Keepall": "Keepall Bag",
    "OnTheGo": "OnTheGo Tote",
    "Multi Pochette Accessoires": "Multi Pochette Accessoires",
    "Saddle": "Saddle Handbag",
    "Lady Dior": "Lady Dior Bag",
    "Book Tote": "Book Tote",
    "GG Marmont": "GG Marmont Flap Bag",
    "Jackie 1961": "Jackie 1961 Hobo",
    "Dionysus": "Dionysus Bag",
    "Horsebit 1955": "Horsebit 1955 Shoulder Bag",
    "Luggage": "Luggage Tote",
    "Triomphe": "Triomphe Shoulder Bag",
    "Belt": "Belt Bag",
    "Re-Edition 2005": "Re-Edition 2005 Shoulder Bag",
    "Galleria": "Galleria Tote",
    "Loulou": "Loulou Shoulder Bag",
    "Kate": "Kate Chain Shoulder Bag",
    "Saint Louis": "Saint Louis Tote",
    "Jodie": "Jodie Bag",
    "Cassette": "Cassette Bag",
    "Baguette": "Baguette Bag",
    "Peekaboo": "Peekaboo Bag",
}
BAG_NOUNS = {"bag", "tote", "pochette", "accessoires", "handbag", "wallet", "clutch", "backpack", "hobo", "pouch", "satchel",
             "case", "chain", "shopper"}
CATEGORY_NOUNS = {
    "totes": "Tote",
    "clutches": "Clutch",
    "backpacks": "Backpack",
    "hobos": "Hobo",
    "satchels": "Satchel",
    "wallets": "Wallet",
    "shoulder bags": "Shoulder Bag",
    "cross body bags": "Crossbody Bag",
}

COLOR_FAMILIES = {
    "grey": "Gray", "gris": "Gray", "etain": "Gray", "etoupe": "Gray", "beige": "Neutral", "cream": "Neutral",
    "ivory": "Neutral", "nude": "Neutral", "tan": "Brown", "camel": "Brown", "gold": "Brown", "cognac": "Brown",
    "navy": "Navy Blue", "bordeaux": "Burgundy", "rouge": "Red", "rose": "Pink", "noir": "Black", "blanc": "White",
    "multicolor": "Print", "khaki": "Green", "fuchsia": "Pink",
}
PLAIN_FAMILIES = {"black", "brown", "neutral", "blue", "white", "pink", "green", "gray", "red", "orange", "yellow", "purple",
                  "gold", "silver"}
LEATHERS = ("leather", "caviar", "lambskin", "calfskin", "togo", "epsom", "clemence", "swift", "box", "nappa", "saffiano",
            "goatskin", "grained")
EXOTICS = ("crocodile", "alligator", "ostrich", "lizard")

JEWELRY = {"necklace", "necklaces", "bracelet", "bracelets", "earrings", "ring", "rings", "jewelry", "jewellery"}
WATCHES = {"watch", "watches"}
SHOES = {"shoes"}
UNTITLED_SIZE_CATEGORIES = {"shoes", "belts", "jackets", "coats", "knitwear", "tops", "clothing"}

ACCESSORY_SETS = (
    ("No Accessories", ("no-accessories",)),
    ("No Accessories", ("no-accessories",)),
    ("Dust Bag", ("dust-bag",)),
    ("Dust Bag, Authenticity Card", ("dust-bag", "authenticity-card")),
    ("With Strap", ("with-strap",)),
    ("Dust Bag, Box", ("dust-bag", "box")),
)
HERMES_ACCESSORIES = ("Lock, Keys, Clochette, Dust Bag", ("lock", "keys", "clochette", "dust-bag"))

CONDITION_NOTES = {
    "Pristine": ("Light scratches on hardware.", "Minor creasing in interior."),
    "Excellent": ("Exterior: minor scuffs | Interior: minor marks | Hardware: light scratches", "Light wear throughout."),
    "Great": (
        "Exterior: minor scuffs, minor creases | Handles/Straps: minor darkening | Interior: light odor | Hardware: scratches",
        "Scuffs on corners, creasing on handles, scratches on hardware.",
    ),
    "Very Good": (
        "Exterior: scuffs, corner wear, minor discoloration | Handles/Straps: darkening | Interior: stains | Hardware: scratches",
        "Moderate wear throughout, darkening on handles, marks in interior.",
    ),
    "Good": (
        "Exterior: scuffs, corner wear, discoloration | Handles/Straps: cracking | Interior: stains, odor",
        "Noticeable wear throughout.",
    ),
    "Fair": (
        "Exterior: heavy scuffs, peeling, discoloration | Handles/Straps: cracking | Interior: stains, odor, peeling",
        "Heavy wear throughout.",
    ),
}

# Brands with their own collection in the crawl config's shard list; the rest are in `other-brands`.
FEATURED_BRAND_HANDLES = (
    "hermes", "chanel", "louis-vuitton", "christian-dior", "gucci", "celine", "prada", "saint-laurent", "goyard",
    "bottega-veneta", "fendi", "loewe", "balenciaga", "chloe", "valentino-garavani", "givenchy", "miu-miu",
    "burberry", "coach", "mulberry", "bulgari", "bvlgari", "off-white", "moynat", "dolce-gabbana",
)
BAG_COLLECTION = "all-bags"
PARTNER_SHARE = 0.02  # partner/dropship items with a one-line body
NEW_ARRIVAL_DAYS = 7


class RebagReplica(ShopifyReplica):
    store_name = "Rebag"
    cdn_path = "https://cdn.shopify.com/s/files/1/0384/0161/files"

    def handle_for(self, listing: Listing) -> str:
        digits = listing.sku.replace("/", "")
        joiner = "" if title_size(listing) else "-"  # Rebag glues the sku digits onto a trailing size
        return f"{item_type(listing)[1]}-{brand_handle(listing.brand)}-{slugify(rebag_title(listing))}{joiner}{digits}"

    def collections_for(self, listing: Listing) -> Iterable[str]:
        handle = brand_handle(listing.brand)
        yield handle
        if handle not in FEATURED_BRAND_HANDLES:
            yield "other-brands"
        if listing.is_bag:
            yield BAG_COLLECTION
        yield category_handle(listing)

    def declared_collections(self) -> Iterable[str]:
        return ("all", BAG_COLLECTION, "other-brands")

    def collection_title(self, handle: str) -> str:
        return {"all-bags": "All Bags", "other-brands": "Other Brands"}.get(handle, super().collection_title(handle))

    def store_product(self, state: ListingState, day: date) -> StoreProduct:
        listing = state.listing
        grade = rebag_grade(listing)
        title = rebag_title(listing)
        return StoreProduct(
            title=title,
            handle=self.handle_for(listing),
            body_html=rebag_body(listing, title, grade),
            vendor=vendor_name(listing.brand),
            product_type=listing.category,
            tags=rebag_tags(state, day, grade),
            options=[
                ("Default Title", f"{option_grade(listing, grade)} | Item # {listing.sku}"),
                ("Color", option_color(listing.color)),
            ],
        )


# ---- names ----------------------------------------------------------------------------
def vendor_name(brand: str) -> str:
    return VENDOR_NAMES.get(brand, fold_accents(brand))


def brand_handle(brand: str) -> str:
    return slugify(vendor_name(brand))


def model_name(listing: Listing) -> str:
    wording = site_wording(listing, "rebag")
    if wording is not None:  # a long-tail model: Rebag's name for it, with its noun ("Odeon Handbag")
        words = fold_accents(wording)
        if not listing.is_bag or words.split()[-1].lower() in BAG_NOUNS:
            return words
        if listing.brand == "Louis Vuitton":  # as on the real page: "Trocadero Handbag", "Tivoli Handbag"
            return f"{words} Handbag"
        return f"{words} {CATEGORY_NOUNS.get(listing.category.lower(), 'Bag')}"
    model = fold_accents(listing.model)
    if model in MODEL_NAMES:
        return MODEL_NAMES[model]
    model_words = listing.model.lower().split()
    if not listing.is_bag or (model_words and model_words[-1] in BAG_NOUNS):
        return fold_accents(listing.model)
    noun = CATEGORY_NOUNS.get(listing.category.lower(), "Bag")
    return f"{fold_accents(listing.model)} {noun}"


def style_phrase(listing: Listing) -> str:
    """The style segment of the title; Hermès bags also name colour and hardware."""
    if listing.brand in ("Hermès", "Hermes") and listing.is_bag and listing.hardware_color:
        return f"{listing.color} {listing.style} with {listing.hardware_color} Hardware"
    return listing.style


def title_size(listing: Listing) -> str | None:
    """Rebag prints bag sizes in the title; shoe, belt and clothing sizes only in tags."""
    return listing.size if listing.is_bag or listing.category.lower() not in UNTITLED_SIZE_CATEGORIES else None


def rebag_title(listing: Listing) -> str:
    parts = [model_name(listing), style_phrase(listing), title_size(listing) or ""]
    return " ".join(part for part in parts if part)


def color_family(color: str) -> str:
    first = color.split()[0].lower() if color else ""
    if color.lower() in PLAIN_FAMILIES or color in ("Navy Blue", "Burgundy", "Print", "Multicolor"):
        return "Print" if color == "Multicolor" else color.title()
    return COLOR_FAMILIES.get(color.lower(), COLOR_FAMILIES.get(first, color.title()))


def option_color(color: str) -> str:
    family = color_family(color)
    return family.lower() if family.lower() in PLAIN_FAMILIES else family


def material_family(material: str) -> str:
    lowered = material.lower()
    if "canvas" in lowered:
        coated = any(w in lowered for w in ("coated", "monogram", "damier", "gg", "goyardine"))
        return "Canvas Coated" if coated else "Canvas Plain"
    if "patent" in lowered:
        return "Patent Leather"
    if "python" in lowered:
        return "Python"
    if any(w in lowered for w in EXOTICS):
        return "Exotic"
    if "suede" in lowered:
        return "Suede"
    if any(w in lowered for w in LEATHERS):
        return "Leather"
    return material.title()


# ---- item type and category -----------------------------------------------------------
def item_type(listing: Listing) -> tuple[str, str]:
    """(item-type tag value, handle prefix) as Rebag writes them."""
    category = listing.category.lower()
    if listing.is_bag:
        return "handbag", "handbags"
    if category in SHOES:
        return "shoes", "shoes"
    if category in WATCHES:
        return "watch", "watch"
    if category in JEWELRY:
        singular = {"necklaces": "necklace", "bracelets": "bracelet", "rings": "ring", "jewellery": "jewelry"}
        return "jewelry", singular.get(category, category)
    return "accessory", "accessories"


def category_display(listing: Listing) -> str:
    """The bc-filter spelling of the category: "Shoulder bags" -> "Shoulder Bags"."""
    return " ".join(word if word.isupper() else word.capitalize() for word in listing.category.split())


def category_handle(listing: Listing) -> str:
    return slugify(category_display(listing))


# ---- condition ------------------------------------------------------------------------
def rebag_grade(listing: Listing) -> str:
    if listing.condition == "VERY_GOOD":
        return pick(("Great", "Very Good"), listing.listing_id, "grade")
    return {"NEW": "Pristine", "EXCELLENT": "Excellent", "GOOD": "Good", "FAIR": "Fair"}[listing.condition]


def option_grade(listing: Listing, grade: str) -> str:
    """The grade shown in option1: systematically one step below the real one."""
    below = GRADES.index(grade) + 1
    return GRADES[below] if below < len(GRADES) else pick(BELOW_FAIR, listing.listing_id, "outlet")


# ---- tags -----------------------------------------------------------------------------
def price_bucket(price: Decimal) -> str:
    for ceiling, tag in ((1000, "under-1000"), (2500, "1000-to-2500"), (5000, "2500-to-5000"), (10000, "5000-to-10000")):
        if price < ceiling:
            return tag
    return "over-10000"


def off_retail_bucket(price: Decimal, retail: int) -> str:
    off = 1 - float(price) / retail
    if off < 0.2:
        return "less than 20%"
    if off < 0.4:
        return "20%-39%"
    return "40%-59%" if off < 0.6 else "60% and up"


def accessories(listing: Listing) -> tuple[str, tuple[str, ...]]:
    if listing.brand in ("Hermès", "Hermes") and listing.is_bag and chance(listing.listing_id, "hermes-acc", 0.5):
        return HERMES_ACCESSORIES
    return pick(ACCESSORY_SETS, listing.listing_id, "accessories")


def interior(listing: Listing) -> tuple[str, str]:
    color = pick(("Black", "Neutral", "Brown", color_family(listing.color)), listing.listing_id, "interior-color")
    material = pick(("Fabric", "Leather", "Microfiber", "Suede", "Canvas Plain"), listing.listing_id, "interior-material")
    return color, material


def rebag_tags(state: ListingState, day: date, grade: str) -> list[str]:
    listing = state.listing
    tags = ["793", "793A", "bc-filter-General View", "bc-filter-Online", "bc-filter-Promo Eligible", "promo-eligible"]
    tags += ["bc-filter-dropship-partners-rebag", "meta-v2-location-Online Only", "sitewideselect", "whnew", "reflaunt_dropship"]
    tags += [f"bc-filter-{grade}", slugify(grade), price_bucket(state.price)]
    tags += _structure_tags(listing)
    tags += _type_tags(listing)
    tags += _color_material_tags(listing)
    tags += list(accessories(listing)[1])
    tags += _channel_tags(listing)
    if listing.retail_price_usd:
        tags.append(off_retail_bucket(state.price, listing.retail_price_usd))
    if day - listing.published_at.date() <= timedelta(days=NEW_ARRIVAL_DAYS):
        tags.append("new-arrivals")
    return list(dict.fromkeys(tags))


def _structure_tags(listing: Listing) -> list[str]:
    brand = brand_handle(listing.brand)
    tags = [brand, f"pfs:hidden:{brand}", f"meta-model-{slugify(model_name(listing))}",
            f"meta-style-{slugify(style_phrase(listing))}"]
    if size := title_size(listing):
        tags.append(f"meta-size-{slugify(size)}")
    elif listing.size and listing.category.lower() in SHOES:
        tags += [f"custom-size-shoes-{listing.size}", f"bc-filter-custom-size-shoes-{listing.size}"]
    if brand == "saint-laurent":
        tags.append("ysl")
    return tags


def _type_tags(listing: Listing) -> list[str]:
    kind, _ = item_type(listing)
    display, handle = category_display(listing), category_handle(listing)
    if kind == "handbag":
        tags = ["item-type-handbag", "handbag", BAG_COLLECTION, "bc-filter-Bags", f"bc-filter-{display}", handle]
        if handle in ("cross-body-bags", "shoulder-bags") and chance(listing.listing_id, "convertible", 0.5):
            tags += ["convertible-bags", "bc-filter-Convertible Bags"]
        return tags
    if kind == "shoes":
        return ["item-type-shoes", "shoes", "bc-filter-Shoes"]
    if kind == "watch":
        return ["item-type-watch", "watch", "bc-filter-Watches"]
    if kind == "jewelry":
        return ["item-type-jewelry", "jewelry", "bc-filter-Jewelry", f"bc-filter-jewelry-type-{display}", handle]
    return ["item-type-accessory", "accessory", "bc-filter-Accessories", f"bc-filter-accessory-type-{display}", handle]


def _color_material_tags(listing: Listing) -> list[str]:
    family, material = color_family(listing.color), material_family(listing.material)
    inner_color, inner_material = interior(listing)
    tags = [
        f"exterior-color-{slugify(family)}", f"bc-filter-exterior-color-{family}", f"meta-color-{slugify(family)}",
        f"exterior-material-{slugify(material)}", f"bc-filter-exterior-material-{material}",
        f"interior-color-{slugify(inner_color)}",
        f"interior-material-{slugify(inner_material)}", f"bc-filter-interior-material-{inner_material}",
    ]
    if listing.hardware_color:
        tags.append(f"hardware-color-{slugify(listing.hardware_color)}")
    return tags


def _channel_tags(listing: Listing) -> list[str]:
    seed = listing.listing_id
    channels = (("walmart", 0.87), ("temu", 0.86), ("shein", 0.85), ("loan-program", 0.67))
    tags = [channel for channel, share in channels if chance(seed, channel, share)]
    tags.append("reflaunt_created" if chance(seed, "reflaunt", 0.65) else "reflaunt_failed")
    if chance(seed, "most-wanted", 0.25):
        tags += ["most-wanted", "bc-filter-Most Wanted"]
    return tags


# ---- body_html ------------------------------------------------------------------------
def measurements(listing: Listing) -> str:
    seed = listing.listing_id
    width = pick((8, 9.5, 10, 11, 12, 14, 16), seed, "width")
    parts = [f'Height {pick((5, 6, 7.5, 8, 9, 10.5), seed, "height")}"', f'Width {width}"',
             f'Depth {pick((1.5, 2.5, 3, 4, 6), seed, "depth")}"']
    handle_drop = pick(("None", "4", "4.5", "5", "9"), seed, "handle-drop")
    strap_drop = pick(("None", "18-22", "22", "19", "23.5"), seed, "strap-drop")
    return ", ".join([f'Handle Drop {handle_drop}"', *parts, f'Strap Drop {strap_drop}"'])


def rebag_body(listing: Listing, title: str, grade: str) -> str:
    vendor = html.escape(vendor_name(listing.brand))
    if chance(listing.listing_id, "partner", PARTNER_SHARE):
        return f"<p>{vendor} - {html.escape(title)}</p>"
    note = pick(CONDITION_NOTES[grade], listing.listing_id, "note")
    inner_color, inner_material = interior(listing)
    lines = []
    if listing.show_retail and listing.retail_price_usd:
        lines.append(f"<b>Estimated Retail Price:</b> ${listing.retail_price_usd:,}")
    lines += [
        f"<b>Condition:</b> {grade}.  {note} ",
        f"<b>Accessories:</b> {accessories(listing)[0]} ",
        f"<b>Measurements:</b> {measurements(listing)}",
        f"<b>Designer:</b> {vendor}",
        f"<b>Model:</b> {html.escape(title)}",
        f"<b>Exterior Material:</b> {material_family(listing.material)} ",
        f"<b>Exterior Color:</b> {color_family(listing.color)} ",
        f"<b>Interior Material:</b> {inner_material} ",
        f"<b>Interior Color:</b> {inner_color} ",
    ]
    if listing.hardware_color:
        lines.append(f"<b>Hardware Color:</b> {listing.hardware_color} ")
    lines.append(f"<b>Item Number:</b> {listing.sku}")
    return "<p>These are professional pictures of the actual item offered by Rebag.<br><br>" + "<br>".join(lines) + "</p>"


register_replica("rebag", RebagReplica)
