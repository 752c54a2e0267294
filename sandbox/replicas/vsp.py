"""VSP Consignment (vspconsignment.com) replica.

As observed: Shopify, prices in CAD, every product under the house label "VSP Archive",
titles `<Brand> // <Description>` ("Chanel // Black Caviar Medium Classic Double Flap Bag"),
no colour option and no structured condition (a phrase in `body_html`, sometimes
"Condition: Excellent.", sometimes only words like "gently used"), product URLs localised
under `/en-us/` (every path also answers there), a mixed catalogue (clothing, jewellery,
small leather goods) with a `handbags` collection.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, timedelta, timezone

from sandbox.long_tail import site_wording
from sandbox.model import Listing, ListingState
from sandbox.replicas import register_replica
from sandbox.replicas.shopify import ShopifyReplica, StoreProduct, chance, pick, slugify

VENDOR = "VSP Archive"
BAG_COLLECTION = "handbags"
BAG_PRODUCT_TYPE = "Handbags"

MODEL_NAMES = {"Classic Flap": "Classic Double Flap Bag", "Boy": "Boy Bag", "2.55 Reissue": "2.55 Reissue Flap Bag"}
BAG_NOUNS = {"bag", "tote", "handbag", "clutch", "backpack", "hobo", "pouch", "satchel", "wallet", "shopper"}
VINTAGE_SHARE = 0.15  # of long-tail listings whose description opens with "Vintage"

# Half the listings state the grade, the other half only describe the wear.
CONDITION_PHRASES = {
    "NEW": ("Condition: New. Never used, with all original packaging.", "Brand new with tags, never used."),
    "EXCELLENT": ("Condition: Excellent. Minimal signs of use.", "In like-new condition with minimal signs of wear."),
    "VERY_GOOD": ("Condition: Very Good. Light wear to the corners and hardware.", "Gently used with light wear to the corners."),
    "GOOD": ("Condition: Good. Visible wear to the corners and handles.",
             "Pre-loved with visible wear to the corners and handles."),
    "FAIR": ("Condition: Fair. Noticeable scuffs, darkening of the handles.",
             "Well loved: noticeable scuffs and darkening of the handles."),
}

PRODUCT_TYPES = (
    ({"shoes", "sneakers", "boots", "sandals"}, "Shoes"),
    ({"necklace", "necklaces", "bracelet", "bracelets", "earrings", "ring", "rings", "jewelry", "jewellery"}, "Jewellery"),
    ({"watch", "watches"}, "Watches"),
    ({"wallets", "small leather goods", "card holders", "card holder"}, "Small Leather Goods"),
    ({"clothing", "apparel", "jackets", "coats", "dresses", "tops", "knitwear", "skirts", "pants"}, "Clothing"),
)


class VspReplica(ShopifyReplica):
    store_name = "VSP Consignment"
    timezone = timezone(timedelta(hours=-4))  # Toronto, summer time
    locale_prefixes = ("/en-us", "/en-ca")
    product_path_prefix = "/en-us"
    cdn_path = "https://cdn.shopify.com/s/files/1/0523/4457/files"

    def handle_for(self, listing: Listing) -> str:
        return f"{slugify(vsp_title(listing))}-{slugify(listing.sku)}"

    def collections_for(self, listing: Listing) -> Iterable[str]:
        yield slugify(listing.brand)
        yield BAG_COLLECTION if listing.is_bag else slugify(product_type(listing))

    def declared_collections(self) -> Iterable[str]:
        return ("all", BAG_COLLECTION)

    def store_product(self, state: ListingState, day: date) -> StoreProduct:
        listing = state.listing
        kind = product_type(listing)
        return StoreProduct(
            title=vsp_title(listing),
            handle=self.handle_for(listing),
            body_html=vsp_body(listing),
            vendor=VENDOR,
            product_type=kind,
            tags=[listing.brand, kind, "Pre-Owned", "consignment"] + (["bags"] if listing.is_bag else []),
            options=[("Title", "Default Title")],
        )


def product_type(listing: Listing) -> str:
    if listing.is_bag:
        return BAG_PRODUCT_TYPE
    category = listing.category.lower()
    for categories, kind in PRODUCT_TYPES:
        if category in categories:
            return kind
    return "Accessories"


def model_words(listing: Listing) -> str:
    wording = site_wording(listing, "vsp")
    if wording is not None:  # a long-tail model, as the listing's writer put it
        last = wording.split()[-1].lower()
        return wording if not listing.is_bag or last in BAG_NOUNS | {"pochette", "strap"} else f"{wording} Bag"
    if listing.model in MODEL_NAMES:
        return MODEL_NAMES[listing.model]
    last = listing.model.split()[-1].lower() if listing.model else ""
    return listing.model if not listing.is_bag or last in BAG_NOUNS else f"{listing.model} Bag"


def vsp_title(listing: Listing) -> str:
    material = listing.style.replace("Quilted ", "") if listing.style else listing.material
    worded = site_wording(listing, "vsp") is not None
    vintage = "Vintage" if worded and chance(listing.listing_id, "vsp-vintage", VINTAGE_SHARE) else ""
    description = " ".join(part for part in (vintage, listing.color, material, listing.size, model_words(listing)) if part)
    return f"{listing.brand} // {description}"


def vsp_body(listing: Listing) -> str:
    hardware = f" with {listing.hardware_color.lower()} hardware" if listing.hardware_color else ""
    summary = f"{listing.brand} {model_words(listing)} in {listing.color.lower()} {listing.style.lower()}{hardware}."
    condition = pick(CONDITION_PHRASES[listing.condition], listing.listing_id, "vsp-condition")
    paragraphs = [summary, condition]
    if listing.is_bag:
        width = pick((8, 9.5, 10, 12, 14), listing.listing_id, "vsp-width")
        paragraphs.append(f'Measurements: {width}" x {pick((5, 6, 7.5, 9), listing.listing_id, "vsp-h")}" x 3"')
    paragraphs.append("Includes: dust bag." if chance(listing.listing_id, "vsp-dust", 0.6) else "Includes: no accessories.")
    paragraphs.append("All items are authenticated by our in-house team. Final sale.")
    return "".join(f"<p>{html.escape(text, quote=False)}</p>" for text in paragraphs)


register_replica("vsp", VspReplica)
