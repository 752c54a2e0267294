"""What every Shopify storefront replica shares: endpoints, paging rules, record shapes.

A store subclass only says how one listing looks on that store (`store_product`), which
collections it belongs to, and its handle. This module serves it the Shopify way
(`docs/marketplaces.md`):

- `/products.json`, `/collections/<handle>/products.json`: `?limit=&page=`, default 30,
  limit clamped to 250, HTTP 400 when page * limit > 25,000, `{"products": []}` past the end,
  newest `published_at` first, no totals, no Link header.
- `/collections/<handle>.json` (`products_count`), `/collections.json`,
  `/products/<handle>.json` (single-product shape), `/products/<handle>.js` (cents),
  `/sitemap.xml` -> `/sitemap_products_N.xml` (`<loc>`, `<lastmod>`),
  `/products/<handle>` (HTML), `/robots.txt` (Shopify's default), 404 otherwise.
"""

from __future__ import annotations

import html
import json
import re
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

from radar.text import fold_accents
from sandbox.model import Listing, ListingState
from sandbox.replicas import SandboxRequest, SandboxResponse

DEFAULT_LIMIT = 30
MAX_LIMIT = 250
PAGE_CAP = 25_000
PAGE_CAP_ERROR = {"errors": "Page * Limit exceeds the 25000 limit."}
SITEMAP_SIZE = 5000  # product URLs per sitemap file
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


# Shopify's default robots.txt (abridged): it keeps crawlers off search, cart and checkout,
# not off the JSON endpoints.
ROBOTS_TXT = """# we use Shopify as our ecommerce platform

User-agent: *
Disallow: /a/downloads/-/*
Disallow: /admin
Disallow: /cart
Disallow: /orders
Disallow: /checkouts/
Disallow: /checkout
Disallow: /carts
Disallow: /account
Disallow: /collections/*sort_by*
Disallow: /*/collections/*sort_by*
Disallow: /collections/*+*
Disallow: /collections/*%2B*
Disallow: /*/collections/*+*
Disallow: /blogs/*+*
Disallow: /*?*oseid=*
Disallow: /*preview_theme_id*
Disallow: /*preview_script_id*
Disallow: /policies/
Disallow: /*/policies/
Disallow: /search
Disallow: /apple-app-site-association
Disallow: /.well-known/shopify/monorail
Disallow: /cdn/wpm/*.js
Disallow: /recommendations/products
Disallow: /*/recommendations/products
Sitemap: {sitemap_url}
"""


def slugify(text: str) -> str:
    """Shopify-style handle: accents dropped, apostrophes removed, other runs become '-'."""
    ascii_text = fold_accents(text).replace("'", "").replace("&", " ").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((amount * 100).to_integral_value())


def iso(moment: datetime) -> str:
    """Shopify timestamps: seconds precision with the store's UTC offset ("-04:00")."""
    return moment.replace(microsecond=0).isoformat()


def pick(options: Sequence[Any], seed: int, salt: str = "") -> Any:
    """A deterministic choice per listing (same listing, same choice, every day)."""
    return options[zlib.crc32(f"{seed}:{salt}".encode()) % len(options)]


def chance(seed: int, salt: str, share: float) -> bool:
    return zlib.crc32(f"{seed}:{salt}".encode()) % 10_000 < share * 10_000


@dataclass(frozen=True)
class StoreProduct:
    """The store-specific parts of one product record."""

    title: str
    handle: str
    body_html: str
    vendor: str
    product_type: str
    tags: list[str]
    options: list[tuple[str, str]]  # (option name, value); variant option1..3 follow this order


@dataclass
class DayCatalogue:
    """One day's catalogue, indexed once; products are serialised on first request."""

    day: date
    states: list[ListingState]  # newest published_at first
    handles: list[str]
    collections: dict[str, list[int]]  # collection handle -> positions in `states`
    by_handle: dict[str, int]
    serialised: dict[int, bytes] = field(default_factory=dict)

    def positions(self, collection: str | None) -> list[int] | None:
        if collection is None:
            return list(range(len(self.states)))
        return self.collections.get(collection)


class ShopifyReplica:
    """Base class of the Shopify store replicas. Subclasses override the hooks below."""

    store_name = "Shopify store"
    timezone: tzinfo = timezone(timedelta(hours=-4))
    locale_prefixes: tuple[str, ...] = ()  # e.g. ("/en-us",): localised paths serve the same
    product_path_prefix = ""  # product page URLs: "" -> /products/<h>, "/en-us" -> /en-us/products/<h>
    bulk_touch = time(0, 44, 34)  # the daily hour every product's updated_at is touched
    cdn_path = "https://cdn.shopify.com/s/files/1/0000/0001/files"

    def __init__(self, marketplace: str, currency: str) -> None:
        self.marketplace = marketplace
        self.currency = currency
        self._lock = threading.Lock()
        self._catalogues: dict[tuple[date, int], DayCatalogue] = {}  # by (day, version)
        self._handle_cache: dict[int, str] = {}
        self._collections_cache: dict[int, tuple[str, ...]] = {}

    # ---- hooks for subclasses -------------------------------------------------------
    def store_product(self, state: ListingState, day: date) -> StoreProduct:
        raise NotImplementedError

    def handle_for(self, listing: Listing) -> str:
        raise NotImplementedError

    def collections_for(self, listing: Listing) -> Iterable[str]:
        """Collection handles this listing belongs to, besides `all`."""
        return ()

    def declared_collections(self) -> Iterable[str]:
        """Collections that exist even when empty (answer products_count 0, not 404)."""
        return ("all",)

    def collection_title(self, handle: str) -> str:
        return handle.replace("-", " ").title()

    # ---- routing --------------------------------------------------------------------
    def respond(self, request: SandboxRequest) -> SandboxResponse:
        path = self._strip_locale(request.path)
        if path == "/robots.txt":
            return SandboxResponse.text(ROBOTS_TXT.format(sitemap_url=f"http://{request.host}/sitemap.xml"))
        if path == "/sitemap.xml":
            return self._sitemap_index(request)
        match = re.fullmatch(r"/sitemap_products_(\d+)\.xml", path)
        if match:
            return self._product_sitemap(request, int(match.group(1)))
        if path == "/products.json":
            return self._product_page(request, None)
        if path == "/collections.json":
            return self._collections_list(request)
        match = re.fullmatch(r"/collections/([^/]+)/products\.json", path)
        if match:
            return self._product_page(request, match.group(1))
        match = re.fullmatch(r"/collections/([^/]+)\.json", path)
        if match:
            return self._collection(request, match.group(1))
        match = re.fullmatch(r"/products/([^/]+?)(\.json|\.js)?", path)
        if match:
            return self._product(request, match.group(1), match.group(2) or "")
        return SandboxResponse.not_found()

    def _strip_locale(self, path: str) -> str:
        for prefix in self.locale_prefixes:
            if path.startswith(prefix + "/"):
                return path[len(prefix) :]
        return path

    # ---- catalogue ------------------------------------------------------------------
    def catalogue(self, request: SandboxRequest) -> DayCatalogue:
        key = request.snapshot  # (day, version): a moving market changes the states within a day
        with self._lock:
            cached = self._catalogues.get(key)
            previous = self._catalogues[max(self._catalogues)] if self._catalogues else None
        if cached is not None:
            return cached
        built = self._build_catalogue(request.day, request.states)
        if previous is not None and previous.day == request.day:
            # The same day moved on: products whose state did not change keep their serialised record.
            carried = {id(previous.states[p]): body for p, body in list(previous.serialised.items())}
            built.serialised.update(
                (p, carried[id(state)]) for p, state in enumerate(built.states) if id(state) in carried
            )
        with self._lock:
            # Keep two snapshots: the one being served and the one before (a crawl spanning set_day).
            for old in sorted(self._catalogues)[:-1]:
                del self._catalogues[old]
            return self._catalogues.setdefault(key, built)

    def _build_catalogue(self, day: date, states: Sequence[ListingState]) -> DayCatalogue:
        ordered = sorted(states, key=lambda s: (s.listing.published_at, s.listing.listing_id), reverse=True)
        collections: dict[str, list[int]] = {handle: [] for handle in self.declared_collections()}
        handles: list[str] = []
        for position, state in enumerate(ordered):
            handles.append(self._cached_handle(state.listing))
            for handle in self._cached_collections(state.listing):
                collections.setdefault(handle, []).append(position)
        collections["all"] = list(range(len(ordered)))
        by_handle = {handle: position for position, handle in enumerate(handles)}
        return DayCatalogue(day, ordered, handles, collections, by_handle)

    def _cached_handle(self, listing: Listing) -> str:
        handle = self._handle_cache.get(listing.listing_id)
        if handle is None:
            handle = self._handle_cache[listing.listing_id] = self.handle_for(listing)
        return handle

    def _cached_collections(self, listing: Listing) -> tuple[str, ...]:
        handles = self._collections_cache.get(listing.listing_id)
        if handles is None:
            handles = self._collections_cache[listing.listing_id] = tuple(dict.fromkeys(self.collections_for(listing)))
        return handles

    # ---- /products.json and /collections/<h>/products.json ------------------------------
    def _product_page(self, request: SandboxRequest, collection: str | None) -> SandboxResponse:
        limit, page = paging(request)
        if page * limit > PAGE_CAP:
            return SandboxResponse.json(PAGE_CAP_ERROR, status=400)
        catalogue = self.catalogue(request)
        positions = catalogue.positions(collection)
        if positions is None:
            return SandboxResponse.not_found()
        chosen = positions[(page - 1) * limit : page * limit]
        body = b'{"products":[' + b",".join(self._serialised(catalogue, p) for p in chosen) + b"]}"
        return SandboxResponse.raw_json(body)

    def _serialised(self, catalogue: DayCatalogue, position: int) -> bytes:
        cached = catalogue.serialised.get(position)
        if cached is None:
            record = self.product_record(catalogue.states[position], catalogue.day)
            cached = catalogue.serialised[position] = json.dumps(
                record, ensure_ascii=False, separators=(",", ":")
            ).encode()
        return cached

    # ---- sitemaps -------------------------------------------------------------------
    def _sitemap_index(self, request: SandboxRequest) -> SandboxResponse:
        files = max(1, -(-len(self.catalogue(request).states) // SITEMAP_SIZE))
        entries = "".join(
            f"<sitemap><loc>http://{request.host}/sitemap_products_{n}.xml</loc></sitemap>" for n in range(1, files + 1)
        )
        return SandboxResponse.text(f'{XML_HEAD}<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>',
                                    content_type="application/xml")

    def _product_sitemap(self, request: SandboxRequest, number: int) -> SandboxResponse:
        catalogue = self.catalogue(request)
        chosen = range((number - 1) * SITEMAP_SIZE, min(number * SITEMAP_SIZE, len(catalogue.states)))
        if number < 1 or (not chosen and number > 1):
            return SandboxResponse.html(not_found_page(self.store_name), status=404)
        touched = datetime.combine(catalogue.day, self.bulk_touch, self.timezone)
        urls = "".join(
            f"<url><loc>http://{request.host}{self.product_path_prefix}/products/{catalogue.handles[p]}</loc>"
            f"<lastmod>{iso(max(touched, self._local(catalogue.states[p].listing.published_at)))}</lastmod></url>"
            for p in chosen
        )
        return SandboxResponse.text(f'{XML_HEAD}<urlset xmlns="{SITEMAP_NS}">{urls}</urlset>', content_type="application/xml")

    # ---- collections ----------------------------------------------------------------
    def _collection(self, request: SandboxRequest, handle: str) -> SandboxResponse:
        catalogue = self.catalogue(request)
        positions = catalogue.positions(handle)
        if positions is None:
            return SandboxResponse.not_found()
        return SandboxResponse.json({"collection": self.collection_record(handle, len(positions), catalogue.day)})

    def _collections_list(self, request: SandboxRequest) -> SandboxResponse:
        limit, page = paging(request)
        catalogue = self.catalogue(request)
        handles = sorted(h for h in catalogue.collections if h != "all")
        chosen = handles[(page - 1) * limit : page * limit]
        records = [self.collection_record(h, len(catalogue.collections[h]), catalogue.day) for h in chosen]
        return SandboxResponse.json({"collections": records})

    def collection_record(self, handle: str, products_count: int, day: date) -> dict[str, Any]:
        touched = iso(datetime.combine(day, self.bulk_touch, self.timezone))
        return {
            "id": 260_000_000_000 + zlib.crc32(handle.encode()) % 100_000_000_000,
            "title": self.collection_title(handle),
            "handle": handle,
            "description": "",
            "published_at": "2020-03-02T11:02:45-05:00",
            "updated_at": touched,
            "image": None,
            "products_count": products_count,
        }

    # ---- one product ----------------------------------------------------------------
    def _product(self, request: SandboxRequest, handle: str, suffix: str) -> SandboxResponse:
        catalogue = self.catalogue(request)
        position = catalogue.by_handle.get(handle)
        state = catalogue.states[position] if position is not None else self.sold_page_state(handle)
        if state is None:  # no longer for sale (sold, withdrawn, unpublished): 404, as Shopify answers
            if suffix:
                return SandboxResponse.not_found()
            return SandboxResponse.html(not_found_page(self.store_name), status=404)
        record = self.product_record(state, catalogue.day)
        if suffix == ".json":
            return SandboxResponse.json({"product": self.single_product_record(record)})
        if suffix == ".js":
            return SandboxResponse.json(self.ajax_product_record(record, state))
        return self.product_page(request, record, state)

    # What a listing's own page says once it left the catalogue (SandboxServer.set_sold_page):
    # "not_found" (default) -> 404; "shown_sold" -> a sold listing keeps its page, shown sold.
    sold_page = "not_found"
    sold_state: Any = None  # listing id -> its sold ListingState, or None (set by the server)

    def sold_page_state(self, handle: str) -> ListingState | None:
        if self.sold_page != "shown_sold" or self.sold_state is None:
            return None
        for listing_id, known in list(self._handle_cache.items()):
            if known == handle:
                return self.sold_state(listing_id)
        return None

    def product_page(self, request: SandboxRequest, record: dict[str, Any], state: ListingState) -> SandboxResponse:
        """A plain storefront product page (server-rendered, as Shopify themes do)."""
        canonical = f"http://{request.host}{self.product_path_prefix}/products/{record['handle']}"
        if request.path != f"{self.product_path_prefix}/products/{record['handle']}":
            return SandboxResponse.redirect(canonical)
        return SandboxResponse.html(product_page_html(self.store_name, record, state, self.currency, canonical))

    def product_record(self, state: ListingState, day: date) -> dict[str, Any]:
        """The product as `/products.json` lists it (keys and order as Shopify's)."""
        listing = state.listing
        product = self.store_product(state, day)
        published = self._local(listing.published_at)
        created = published - timedelta(seconds=600 + listing.listing_id % 50_000)
        updated = max(datetime.combine(day, self.bulk_touch, self.timezone), published)
        images = self._images(listing, product, created)
        variant = {
            "id": listing.variant_id,
            "title": " / ".join(value for _, value in product.options),
            **{f"option{i}": (product.options[i - 1][1] if i <= len(product.options) else None) for i in (1, 2, 3)},
            "sku": listing.sku,
            "requires_shipping": True,
            "taxable": True,
            "featured_image": None,
            "available": state.available,
            "price": money(state.price),
            "grams": 0,
            "compare_at_price": money(state.compare_at_price),
            "position": 1,
            "product_id": listing.listing_id,
            "created_at": iso(created),
            "updated_at": iso(updated),
        }
        return {
            "id": listing.listing_id,
            "title": product.title,
            "handle": product.handle,
            "body_html": product.body_html,
            "published_at": iso(published),
            "created_at": iso(created),
            "updated_at": iso(updated),
            "vendor": product.vendor,
            "product_type": product.product_type,
            "tags": sorted(product.tags, key=str.lower),
            "variants": [variant],
            "images": images,
            "options": [
                {"name": name, "position": i, "values": [value]} for i, (name, value) in enumerate(product.options, 1)
            ],
        }

    def single_product_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """`/products/<handle>.json`: tags as one string; variants without `available`."""
        variants = []
        for variant in record["variants"]:
            single = {key: value for key, value in variant.items() if key != "available"}
            single.update(
                price_currency=self.currency,
                compare_at_price=variant["compare_at_price"],
                fulfillment_service="manual",
                inventory_management="shopify",
                barcode="",
                weight=0.0,
                weight_unit="lb",
                image_id=None,
            )
            variants.append(single)
        replaced = {"tags": ", ".join(record["tags"]), "variants": variants}
        single_record = {key: replaced.get(key, value) for key, value in record.items()}
        single_record["image"] = record["images"][0] if record["images"] else None
        return single_record

    def ajax_product_record(self, record: dict[str, Any], state: ListingState) -> dict[str, Any]:
        """`/products/<handle>.js`: the theme's AJAX shape, prices in integer cents."""
        variant = record["variants"][0]
        price, compare = cents(state.price), cents(state.compare_at_price)
        return {
            "id": record["id"],
            "title": record["title"],
            "handle": record["handle"],
            "description": record["body_html"],
            "published_at": record["published_at"],
            "created_at": record["created_at"],
            "vendor": record["vendor"],
            "type": record["product_type"],
            "tags": record["tags"],
            "price": price,
            "price_min": price,
            "price_max": price,
            "available": state.available,
            "price_varies": False,
            "compare_at_price": compare,
            "variants": [
                {
                    "id": variant["id"],
                    "title": variant["title"],
                    "option1": variant["option1"],
                    "option2": variant["option2"],
                    "option3": variant["option3"],
                    "sku": variant["sku"],
                    "available": state.available,
                    "price": price,
                    "compare_at_price": compare,
                }
            ],
            "images": [image["src"] for image in record["images"]],
            "url": f"{self.product_path_prefix}/products/{record['handle']}",
        }

    def _local(self, moment: datetime) -> datetime:
        return moment.replace(tzinfo=self.timezone) if moment.tzinfo is None else moment

    def _images(self, listing: Listing, product: StoreProduct, created: datetime) -> list[dict[str, Any]]:
        count = 1 + listing.listing_id % 6
        stem = listing.sku.replace("/", "-") + "_" + slugify(product.title)[:40]
        return [
            {
                "id": 43_000_000_000_000 + (listing.listing_id % 10**12) * 8 + position,
                "created_at": iso(created),
                "position": position,
                "updated_at": iso(created + timedelta(seconds=2)),
                "product_id": listing.listing_id,
                "variant_ids": [],
                "src": f"{self.cdn_path}/{stem}_{position:04d}.jpg?v={int(created.timestamp())}",
                "width": 1877,
                "height": 1877,
            }
            for position in range(1, count + 1)
        ]


def paging(request: SandboxRequest) -> tuple[int, int]:
    """Shopify's `limit` and `page`: bad values fall back to defaults, limit clamps to 250."""
    limit = _positive_int(request.param("limit"), DEFAULT_LIMIT)
    page = _positive_int(request.param("page"), 1)
    return min(limit, MAX_LIMIT), page


def _positive_int(raw: str | None, default: int) -> int:
    try:
        value = int(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value > 0 else default


def not_found_page(store_name: str) -> str:
    return (
        f"<!doctype html><html><head><title>404 Not Found &ndash; {html.escape(store_name)}</title></head>"
        "<body><h1>404 Page Not Found</h1><p>The page you requested does not exist.</p></body></html>"
    )


def product_page_html(store_name: str, record: dict[str, Any], state: ListingState, currency: str, canonical: str) -> str:
    price = f"${state.price:,.2f} {currency}"
    badge = '<span class="badge price__badge-sold-out">Sold out</span>' if not state.available else ""
    compare = f'<s class="price-item--regular">${state.compare_at_price:,.2f}</s>' if state.compare_at_price else ""
    return (
        "<!doctype html><html><head>"
        f"<title>{html.escape(record['title'])} &ndash; {html.escape(store_name)}</title>"
        f'<link rel="canonical" href="{canonical}">'
        f'<meta property="og:title" content="{html.escape(record["title"])}">'
        f'<meta property="og:price:amount" content="{state.price:.2f}">'
        f'<meta property="og:price:currency" content="{currency}">'
        "</head><body><main>"
        f'<p class="product__vendor">{html.escape(record["vendor"])}</p>'
        f'<h1 class="product__title">{html.escape(record["title"])}</h1>'
        f'<div class="price">{compare}<span class="price-item price-item--sale">{price}</span>{badge}</div>'
        f'<div class="product__description">{record["body_html"]}</div>'
        "</main></body></html>"
    )
