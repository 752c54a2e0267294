"""Fashionphile replica: a Shopify storefront whose listing grids are rendered in the browser.

Faithful to docs/marketplaces.md (Fashionphile section):

- Listing pages `/collections/<handle>?page=N` (1-based) are server-rendered *without* products:
  an empty `ol.ais-Hits-list`, an empty `.ais-Stats` and an empty pagination list, plus
  `/static/fashionphile/search.js`, which fetches the Algolia-like search endpoint
  `/1/indexes/<index>/query?collection=<handle>&page=<0-based>&hitsPerPage=<n>` and renders
  the cards (`.fp-algolia-product-card[data-product-id]`, `.fp-card__vendor`,
  `.fp-card__link__product-name`, `.price-item--regular` / `.price-item--sale`,
  `.fp-condition`, `span.price__badge-sold-out`), the results count (`.ais-Stats-text`,
  "1,234 results") and the pagination (`.ais-Pagination-item--lastPage`). A plain HTTP fetch
  therefore sees no products. An empty result renders `.fp-no-results`; a failed search
  request renders `.fp-search-error`.
- Search JSON: `{"hits": [...], "nbHits", "nbPages", "page", "hitsPerPage", "query", "index"}`.
- Product JSON `/products/<handle>.json`: `vendor` = brand; title
  `<Material/Style> <Size> <Model> <Colour>`; `tags` is "" (a string); variants have no
  `available`, carry `price_currency`, `barcode`, `inventory_management`; `compare_at_price`
  is the pre-markdown price (null unless marked down). The handle ends with the legacy item id.
- Product page `/products/<handle>` shows `span.price__badge-sold-out` when sold.
- `/robots.txt`: Shopify's defaults (sandbox/replicas/shopify.py: disallows /search, /cart,
  /checkout, sorted collections).

Choices (documented in docs, relied on by the spider and SQL normalisation):

- Bags only on the bag collection: `collections/handbags` (and `bags`) lists `is_bag` items only;
  `collections/all` lists everything (accessories mixed in). Non-bags still have product pages
  and product JSON, as on the real site. The spider crawls `handbags`.
- Condition (common scale -> Fashionphile card grade): NEW -> "New" (even listing id) or
  "Giftable" (odd listing id); EXCELLENT -> "Excellent"; VERY_GOOD -> "Excellent" (Fashionphile's
  Excellent covers light signs of use); GOOD -> "Shows Wear"; FAIR -> "Worn". Reverse mapping
  for SQL: New/Giftable -> NEW, Excellent -> EXCELLENT (VERY_GOOD collapses into it),
  Shows Wear -> GOOD, Worn -> FAIR.
- Marked-down cards show the pre-markdown price in `s.price-item--regular` and the current
  ask in `span.price-item--sale` (Shopify Dawn markup); unmarked cards have only
  `.price-item--regular`.
- The legacy item id is the digits of the listing's sku (falling back to the listing id).
- Bad values as on the real results: the replica the sandbox server builds shows
  `ZERO_PRICE_SHARE` of listing-days at price 0 (card, hit and product JSON), the listing
  still for sale; the ground truth keeps the real price.
- Long-tail models (sandbox/long_tail.py) are worded as the site words its less common lines:
  a size code after the model ("Damier Ebene Odeon PM Black"), sometimes a noun.

The replica only renders: `respond(SandboxRequest) -> SandboxResponse`
(sandbox/replicas/__init__.py); it is registered as "fashionphile". `sandbox/server.py` serves
it over HTTP with the faults every replica shares (`Faults`: a challenge page, error statuses on
the search requests of one page, ...); `sandbox/fixed_market.py` gives it fixed listings.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from radar.text import fold_accents
from sandbox.long_tail import long_tail_noun, site_wording
from sandbox.model import ListingState
from sandbox.replicas import SandboxRequest, SandboxResponse, register_replica
from sandbox.replicas.shopify import ROBOTS_TXT, chance

MARKETPLACE = "fashionphile"
CURRENCY = "USD"
INDEX_NAME = "fp_products_live"
DEFAULT_HITS_PER_PAGE = 48
MAX_HITS_PER_PAGE = 100
BAG_COLLECTIONS = frozenset({"handbags", "bags"})
ALL_COLLECTIONS = frozenset({"all"})

STATIC_DIR = Path(__file__).parent / "static" / "fashionphile"
# Listing-days the market's replica (sandbox/server.py) shows at price 0; a replica built by hand
# (tests serving fixed states, benchmarks) shows none unless given `zero_price_share`.
ZERO_PRICE_SHARE = 0.015
SIZE_CODES = frozenset({"PM", "MM", "GM", "BB", "TPM", "Haut", "A4", "A6"})  # written after the model
NOUN_SHARE = 0.35  # long-tail titles that add a noun after the model

def fashionphile_condition(condition: str, listing_id: int) -> str:
    """The card grade Fashionphile shows for a common-scale condition (see module docstring)."""
    if condition == "NEW":
        return "New" if listing_id % 2 == 0 else "Giftable"
    return {
        "EXCELLENT": "Excellent",
        "VERY_GOOD": "Excellent",
        "GOOD": "Shows Wear",
        "FAIR": "Worn",
    }[condition]


def legacy_item_id(state: ListingState) -> str:
    digits = re.sub(r"\D", "", state.listing.sku or "")
    return digits or str(state.listing.listing_id)


def product_title(state: ListingState) -> str:
    """`<Material/Style> <Size> <Model> <Colour>`, e.g. "Caviar Quilted Medium Double Flap Black".

    A long-tail model is written as the real site writes the less common lines: its name as the
    listing's writer put it, sometimes with a noun ("Small Sangle Bucket Bag"), and a size code
    after it ("Damier Ebene Odeon PM Black", "Monogram Popincourt Haut")."""
    lst = state.listing
    wording = site_wording(lst, MARKETPLACE)
    if wording is None:
        parts = [lst.style, lst.size, lst.model, lst.color]
    else:
        after = lst.size if lst.size and (lst.size.isdigit() or lst.size in SIZE_CODES) else None
        before = None if after else lst.size
        parts = [lst.style, before, wording, long_tail_noun(lst, MARKETPLACE, NOUN_SHARE), after, lst.color]
    return " ".join(p.strip() for p in parts if p and p.strip())


def shows_zero_price(state: ListingState, day: date | None, share: float) -> bool:
    """The real search results show some listings at price 0 (3 of 180 captured): a bad value,
    not a price; the listing is still for sale and the ground truth keeps its real price.
    Which listing-days show it is fixed by (listing, day)."""
    if day is None or share <= 0:
        return False
    return chance(state.listing.listing_id, f"{day.isoformat()}:zero-price", share)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold_accents(text).lower()).strip("-")


def product_handle(state: ListingState) -> str:
    return f"{slugify(state.listing.brand + ' ' + product_title(state))}-{legacy_item_id(state)}"


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def marked_down(state: ListingState) -> bool:
    return state.compare_at_price is not None and state.compare_at_price > state.price


def _iso(ts: datetime) -> str:
    return ts.astimezone(timezone(timedelta(hours=-4))).isoformat(timespec="seconds")


@dataclass
class DayCatalogue:
    day: date | None
    ordered: list[ListingState]
    by_handle: dict[str, ListingState]
    hits: dict[int, dict]  # listing_id -> search hit


class FashionphileReplica:
    """Renders the listings Fashionphile shows on the requested day (`request.states`).

    Registered as `fashionphile`; built by the registry with `(marketplace, currency)`.
    """

    # What a listing's own page says once it left the grid (SandboxServer.set_sold_page; the
    # server's default for Fashionphile is "shown_sold": its product pages carry a sold badge).
    sold_page = "not_found"
    sold_state: Any = None  # set by the server: .by_handle(handle, product_handle) -> sold ListingState

    def sold_page_state(self, handle: str) -> ListingState | None:
        if self.sold_page != "shown_sold" or self.sold_state is None:
            return None
        return self.sold_state.by_handle(handle, product_handle)

    def __init__(self, marketplace: str = MARKETPLACE, currency: str = CURRENCY, *,
                 hits_per_page: int = DEFAULT_HITS_PER_PAGE, zero_price_share: float = 0.0) -> None:
        self.marketplace = marketplace
        self.zero_price_share = zero_price_share
        self.currency = currency
        self.hits_per_page = hits_per_page
        self._lock = threading.Lock()
        self._catalogues: dict[tuple[date, int], DayCatalogue] = {}  # by (day, version)

    # -- data ---------------------------------------------------------------------------
    def catalogue(self, request: SandboxRequest) -> DayCatalogue:
        """One snapshot's listings, indexed once (a moving market makes a new one per `version`)."""
        key = request.snapshot
        with self._lock:
            cached = self._catalogues.get(key)
            previous = self._catalogues[max(self._catalogues)] if self._catalogues else None
        if cached is not None:
            return cached
        ordered = sorted(request.states, key=lambda s: (s.listing.published_at, s.listing.listing_id), reverse=True)
        # The same day moved on: listings whose state did not change keep their search hit.
        earlier = {}
        if previous is not None and previous.day == request.day:
            earlier = {s.listing.listing_id: (s, previous.hits[s.listing.listing_id]) for s in previous.ordered}
        hits = {}
        for s in ordered:
            kept = earlier.get(s.listing.listing_id)
            hits[s.listing.listing_id] = kept[1] if kept is not None and kept[0] is s else self.hit(s, request.day)
        built = DayCatalogue(
            day=request.day,
            ordered=ordered,
            by_handle={product_handle(s): s for s in ordered},
            hits=hits,
        )
        with self._lock:
            for old in sorted(self._catalogues)[:-1]:  # keep the snapshot served and the one before
                del self._catalogues[old]
            return self._catalogues.setdefault(key, built)

    def collection_states(self, request: SandboxRequest, collection: str) -> list[ListingState] | None:
        ordered = self.catalogue(request).ordered
        if collection in BAG_COLLECTIONS:
            return [s for s in ordered if s.listing.is_bag]
        if collection in ALL_COLLECTIONS:
            return list(ordered)
        return None

    def shown_prices(self, state: ListingState, day: date | None) -> tuple[Decimal, Decimal | None]:
        """(price, compare_at_price) as the page shows them on `day`: 0 and none on a zero-price day."""
        if shows_zero_price(state, day, self.zero_price_share):
            return Decimal("0.00"), None
        return state.price, state.compare_at_price if marked_down(state) else None

    def hit(self, state: ListingState, day: date | None = None) -> dict:
        lst = state.listing
        handle = product_handle(state)
        price, compare_at = self.shown_prices(state, day)
        return {
            "objectID": str(lst.listing_id),
            "product_id": lst.listing_id,
            "handle": handle,
            "url": f"/products/{handle}",
            "title": product_title(state),
            "vendor": lst.brand,
            "product_type": lst.category,
            "condition": fashionphile_condition(lst.condition, lst.listing_id),
            "price": float(price),
            "compare_at_price": float(compare_at) if compare_at is not None else None,
            "inventory_available": state.available,
            "legacy_id": legacy_item_id(state),
            "image": f"/cdn/shop/files/{legacy_item_id(state)}_1.jpg",
            "published_at": _iso(lst.published_at),
        }

    def product_json(self, state: ListingState, day: date | None = None) -> dict:
        lst = state.listing
        handle = product_handle(state)
        published = _iso(lst.published_at)
        price, compare_at = self.shown_prices(state, day)
        return {
            "product": {
                "id": lst.listing_id,
                "title": product_title(state),
                "body_html": f"<p>Item #{legacy_item_id(state)}</p>",
                "vendor": lst.brand,
                "product_type": lst.category,
                "created_at": published,
                "handle": handle,
                "updated_at": published,
                "published_at": published,
                "template_suffix": "",
                "published_scope": "global",
                "tags": "",
                "variants": [
                    {
                        "id": lst.variant_id,
                        "product_id": lst.listing_id,
                        "title": "Default Title",
                        "price": money(price),
                        "sku": legacy_item_id(state),
                        "position": 1,
                        "compare_at_price": money(compare_at),
                        "fulfillment_service": "manual",
                        "inventory_management": "shopify",
                        "option1": "Default Title",
                        "option2": None,
                        "option3": None,
                        "created_at": published,
                        "updated_at": published,
                        "taxable": True,
                        "barcode": legacy_item_id(state),
                        "grams": 0,
                        "image_id": None,
                        "weight": 0.0,
                        "weight_unit": "lb",
                        "requires_shipping": True,
                        "price_currency": self.currency,
                    }
                ],
                "options": [{"name": "Title", "position": 1, "values": ["Default Title"]}],
                "images": [],
                "image": None,
            }
        }

    # -- HTTP ---------------------------------------------------------------------------
    def respond(self, request: SandboxRequest) -> SandboxResponse:
        path = request.path
        if request.method.upper() not in ("GET", "HEAD"):
            return SandboxResponse.text("Method not allowed", 405)
        if path == "/robots.txt":
            return SandboxResponse.text(ROBOTS_TXT.format(sitemap_url=f"http://{request.host}/sitemap.xml"))
        if path.startswith("/static/fashionphile/"):
            return self._static(path.removeprefix("/static/fashionphile/"))
        if path.startswith("/cdn/"):
            return SandboxResponse(200, {"Content-Type": "image/gif"}, _PIXEL_GIF)
        if path.startswith("/1/indexes/") and path.endswith("/query"):
            return self._search(request)
        if path in ("/", ""):
            return SandboxResponse.html(_page("Fashionphile", '<a href="/collections/handbags">Handbags</a>'))
        m = re.fullmatch(r"/collections/([a-z0-9-]+)/?", path)
        if m:
            return self._listing_page(request, m.group(1))
        m = re.fullmatch(r"/products/([a-z0-9-]+)\.json", path)
        if m:
            state = self.catalogue(request).by_handle.get(m.group(1)) or self.sold_page_state(m.group(1))
            return SandboxResponse.json(self.product_json(state, request.day)) if state else SandboxResponse.not_found()
        m = re.fullmatch(r"/products/([a-z0-9-]+)/?", path)
        if m:
            state = self.catalogue(request).by_handle.get(m.group(1)) or self.sold_page_state(m.group(1))
            return SandboxResponse.html(self._product_page(state, request.day)) if state else _not_found_html()
        return _not_found_html()

    def _static(self, name: str) -> SandboxResponse:
        types = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
        suffix = name[name.rfind(".") :] if "." in name else ""
        if "/" in name or suffix not in types:
            return _not_found_html()
        try:
            body = (STATIC_DIR / name).read_bytes()
        except OSError:
            return _not_found_html()
        return SandboxResponse(200, {"Content-Type": types[suffix], "Cache-Control": "max-age=3600"}, body)

    def _listing_page(self, request: SandboxRequest, collection: str) -> SandboxResponse:
        if collection not in BAG_COLLECTIONS | ALL_COLLECTIONS:
            return _not_found_html()
        html = (
            _template("collection.html")
            .replace("{{collection}}", collection)
            .replace("{{index}}", INDEX_NAME)
            .replace("{{hits_per_page}}", str(self.hits_per_page))
            .replace("{{title}}", collection.replace("-", " ").title())
        )
        return SandboxResponse.html(html)

    def _search(self, request: SandboxRequest) -> SandboxResponse:
        try:
            page = max(0, int(request.param("page", "0") or 0))
            per_page = min(MAX_HITS_PER_PAGE, max(1, int(request.param("hitsPerPage", str(self.hits_per_page)) or 1)))
        except ValueError:
            return SandboxResponse.json({"message": "Invalid parameters", "status": 400}, 400)
        states = self.collection_states(request, request.param("collection", "all") or "all")
        if states is None:
            return SandboxResponse.json({"message": "Unknown collection", "status": 404}, 404)
        hits = self.catalogue(request).hits
        total = len(states)
        chunk = states[page * per_page : (page + 1) * per_page]
        return SandboxResponse.json(
            {
                "hits": [hits[s.listing.listing_id] for s in chunk],
                "nbHits": total,
                "page": page,
                "nbPages": (total + per_page - 1) // per_page,
                "hitsPerPage": per_page,
                "exhaustiveNbHits": True,
                "query": request.param("query", "") or "",
                "params": f"page={page}&hitsPerPage={per_page}",
                "index": INDEX_NAME,
                "processingTimeMS": 1,
            }
        )

    def _product_page(self, state: ListingState, day: date | None = None) -> str:
        hit = self.hit(state, day)
        if hit["compare_at_price"] is not None:
            price = (
                f'<s class="price-item price-item--regular">{_usd(hit["compare_at_price"])}</s>'
                f'<span class="price-item price-item--sale">{_usd(hit["price"])}</span>'
            )
        else:
            price = f'<span class="price-item price-item--regular">{_usd(hit["price"])}</span>'
        badge = "" if state.available else '<span class="badge price__badge-sold-out">Sold Out</span>'
        body = f"""
<main class="product" data-product-id="{hit['product_id']}">
  <p class="product__vendor">{_esc(hit['vendor'])}</p>
  <h1 class="product__title">{_esc(hit['title'])}</h1>
  <p class="fp-condition">{hit['condition']}</p>
  <div class="price">{price}{badge}</div>
  <p class="product__sku">Item #{hit['legacy_id']}</p>
  <button type="submit" name="add" {'disabled' if not state.available else ''}>
    {'Sold Out' if not state.available else 'Add to cart'}</button>
</main>"""
        return _page(f"{hit['vendor']} {hit['title']}", body)


register_replica(MARKETPLACE, lambda key, currency: FashionphileReplica(key, currency, zero_price_share=ZERO_PRICE_SHARE))


# -- helpers -------------------------------------------------------------------------------
_PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)} | FASHIONPHILE</title>"
        '<link rel="stylesheet" href="/static/fashionphile/theme.css"></head>'
        f'<body class="template-product">{body}</body></html>'
    )


def _not_found_html() -> SandboxResponse:
    return SandboxResponse.html(_page("404 Not Found", "<h1>404 Page Not Found</h1>"), 404)


@lru_cache(maxsize=8)
def _template(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")
