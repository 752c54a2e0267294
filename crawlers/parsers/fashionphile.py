"""Fashionphile parsers: a rendered listing page (cards) and the single-product JSON.

Only parsing here: every function takes a saved response / selector / dict and returns one
field, with no network, so a layout change fails the test that names the field.

Listing page states (check these before reading cards; see `page_state`):
- "ok"            cards rendered
- "no_results"    the search ran and found nothing (`.fp-no-results`): a real empty result
- "search_error"  the page rendered but its search request failed (`.fp-search-error`)
- "not_rendered"  the HTML has the empty grid and no result: the JavaScript did not run
                  (a plain HTTP fetch) or did not finish; never an empty catalogue
- "blocked"       a bot challenge / access-denied page

Fashionphile card grades: New, Giftable, Excellent, Shows Wear, Worn (kept verbatim in
`condition_raw`; SQL maps New/Giftable -> NEW, Excellent -> EXCELLENT, Shows Wear -> GOOD,
Worn -> FAIR). Titles are `<Material> <Size> <Model> <Colour>` and are not decomposed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector

from crawlers.challenge import challenge_marker
from crawlers.parsers.shopify import check_product_shape, to_utc
from radar.items import ListingItem
from radar.lake import count_problem

MARKETPLACE = "fashionphile"
CURRENCY = "USD"

CARD_SELECTOR = ".fp-algolia-product-card[data-product-id]"
NO_RESULTS_SELECTOR = ".fp-no-results, .ais-Hits--empty"
SEARCH_ERROR_SELECTOR = ".fp-search-error"
# What the browser waits for: a card, an explicit empty result or an explicit error.
READY_SELECTOR = f"{CARD_SELECTOR}, {NO_RESULTS_SELECTOR}, {SEARCH_ERROR_SELECTOR}"
# Present on a listing page before rendering; a page without it (challenge, error page,
# changed layout) need not be waited on.
APP_SELECTOR = "#fp-algolia-app, .ais-Hits"

BLOCKED_STATUSES = frozenset({401, 403, 429, 503})

OK, NO_RESULTS, SEARCH_ERROR, NOT_RENDERED, BLOCKED = "ok", "no_results", "search_error", "not_rendered", "blocked"

_PRICE_RE = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_DIGITS_RE = re.compile(r"\d[\d,]*")


def _selector(page: Any) -> Selector:
    """A parsel Selector for a Scrapy response, a Selector, or an HTML string."""
    if isinstance(page, Selector):
        return page
    if isinstance(page, str):
        return Selector(text=_SURROGATES.sub("\ufffd", page))  # lxml cannot take a lone surrogate
    return page.selector


_SURROGATES = re.compile("[\ud800-\udfff]")


def _count(digits: str | None) -> int | None:
    """A page or result count from its digits ("1,234" -> 1234); None for no count or one that
    is no count the lake could store (beyond int64: the spider then says the count is missing)."""
    if not digits:
        return None
    digits = digits.replace(",", "")
    if not re.fullmatch(r"[0-9]{1,19}", digits):
        return None
    value = int(digits)
    return value if count_problem(value) is None else None


def _text(sel: Selector, css: str) -> str | None:
    parts = [t.strip() for t in sel.css(f"{css} ::text").getall()]
    text = " ".join(p for p in parts if p)
    return re.sub(r"\s+", " ", text) or None


def parse_price(text: str | None) -> Decimal | None:
    """"$9,115.00" -> Decimal("9115.00"); None when there is no number."""
    if not text:
        return None
    m = _PRICE_RE.search(text.replace("\xa0", " "))
    if not m:
        return None
    try:
        return Decimal(m.group(0).replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


# -- page level ------------------------------------------------------------------------------
def is_challenge(status: int, html: str) -> bool:
    """A bot challenge / access-denied page, whatever its status (some are served with 200)."""
    if status in BLOCKED_STATUSES:
        return True
    return challenge_marker(html[:20000]) is not None


def page_state(page: Any, status: int = 200) -> str:
    sel = _selector(page)
    if sel.css(CARD_SELECTOR):
        return OK
    if sel.css(NO_RESULTS_SELECTOR):
        return NO_RESULTS
    html = page if isinstance(page, str) else (page.text if hasattr(page, "text") else sel.get())
    if is_challenge(getattr(page, "status", status), html):
        return BLOCKED
    if sel.css(SEARCH_ERROR_SELECTOR):
        return SEARCH_ERROR
    return NOT_RENDERED


def results_count(page: Any) -> int | None:
    """The total the search reports ("1,234 results"), or None before rendering."""
    text = _text(_selector(page), ".ais-Stats-text") or _text(_selector(page), ".ais-Stats")
    if not text:
        return None
    m = _DIGITS_RE.search(text)
    return _count(m.group(0)) if m else None


def last_page(page: Any) -> int | None:
    """1-based number of the last results page, from `.ais-Pagination-item--lastPage`."""
    sel = _selector(page)
    item = sel.css(".ais-Pagination-item--lastPage")
    if not item:
        return None
    label = item.css("[aria-label]::attr(aria-label)").get() or ""
    m = re.search(r"(\d+)\s*$", label)
    if m:
        return _count(m.group(1))
    href = item.css("a::attr(href)").get()
    if href:
        pages = parse_qs(urlsplit(href).query).get("page")
        if pages:
            return _count(pages[0])
    return None


def current_page(page: Any) -> int | None:
    """1-based page the pagination marks as selected."""
    return _count(_text(_selector(page), ".ais-Pagination-item--selected"))


def cards(page: Any) -> list[Selector]:
    return _selector(page).css(CARD_SELECTOR)


# -- one function per card field -------------------------------------------------------------
def card_product_id(card: Selector) -> str | None:
    value = (card.attrib.get("data-product-id") or "").strip()
    return value or None


def card_brand(card: Selector) -> str | None:
    return _text(card, ".fp-card__vendor")


def card_title(card: Selector) -> str | None:
    return _text(card, ".fp-card__link__product-name")


def card_path(card: Selector) -> str | None:
    return card.css(".fp-card__link__product-name::attr(href)").get() or card.css("a::attr(href)").get()


def card_url(card: Selector, base_url: str) -> str | None:
    path = card_path(card)
    return urljoin(base_url, path) if path else None


def card_handle(card: Selector) -> str | None:
    path = card_path(card)
    if not path:
        return None
    m = re.search(r"/products/([^/?#]+)", path)
    return m.group(1).removesuffix(".json") if m else None


def card_legacy_id(card: Selector) -> str | None:
    """Fashionphile's legacy item number: the digits that end the handle."""
    handle = card_handle(card)
    m = re.search(r"-(\d+)$", handle or "")
    return m.group(1) if m else None


def card_price(card: Selector) -> Decimal | None:
    """Current ask: the sale price when marked down, else the regular price."""
    sale = parse_price(_text(card, ".price-item--sale"))
    return sale if sale is not None else parse_price(_text(card, ".price-item--regular"))


def card_compare_at_price(card: Selector) -> Decimal | None:
    """Pre-markdown price: the struck regular price shown next to a sale price."""
    if not card.css(".price-item--sale"):
        return None
    return parse_price(_text(card, ".price-item--regular"))


def card_condition(card: Selector) -> str | None:
    text = _text(card, ".fp-condition")
    return re.sub(r"^condition:\s*", "", text, flags=re.I) if text else None


def card_sold(card: Selector) -> bool:
    return bool(card.css("span.price__badge-sold-out, .price__badge-sold-out"))


def parse_card(card: Selector, *, base_url: str, snapshot_date: date, collection: str | None = None) -> ListingItem | None:
    """A ListingItem from one rendered card, or None when it has no id, url or price."""
    listing_id = card_product_id(card)
    url = card_url(card, base_url)
    price = card_price(card)
    if not listing_id or not url or price is None:
        return None
    return _item(card, listing_id, price, snapshot_date, url, title=card_title(card), brand=card_brand(card),
                 legacy_id=card_legacy_id(card), raw={"handle": card_handle(card), "collection": collection})


def _item(sel: Selector, listing_id: str, price: Decimal, snapshot_date: date, url: str, *, title: str | None,
          brand: str | None, legacy_id: str | None, raw: Mapping[str, str | None]) -> ListingItem:
    """The ListingItem of a card or a product page (both show condition, prices and the sold badge)."""
    ordered = {"handle": raw.get("handle"), "legacy_id": legacy_id, **raw}  # the order the lake has always had
    raw_attributes = {key: value for key, value in ordered.items() if value}
    return ListingItem(
        marketplace=MARKETPLACE,
        listing_id=listing_id,
        snapshot_date=snapshot_date,
        url=url,
        title=title or "",
        brand_raw=brand,
        model_raw=None,
        size_raw=None,
        color_raw=None,
        material_raw=None,
        condition_raw=card_condition(sel),
        price=price,
        currency=CURRENCY,
        compare_at_price=card_compare_at_price(sel),
        available=not card_sold(sel),
        published_at=None,
        estimated_retail_price=None,
        sku=legacy_id,
        raw_attributes=raw_attributes,
    )


@dataclass
class ListingPage:
    state: str
    results_count: int | None
    last_page: int | None
    current_page: int | None
    items: list[ListingItem] = field(default_factory=list)
    unparsed_cards: int = 0


def parse_listing_page(page: Any, *, base_url: str, snapshot_date: date, collection: str | None = None,
                       status: int = 200) -> ListingPage:
    """Everything the spider needs from one listing page."""
    state = page_state(page, status)
    result = ListingPage(state, None, None, None)
    if state in (BLOCKED, NOT_RENDERED, SEARCH_ERROR):
        return result
    result.results_count = results_count(page)
    result.last_page = last_page(page)
    result.current_page = current_page(page)
    for card in cards(page):
        item = parse_card(card, base_url=base_url, snapshot_date=snapshot_date, collection=collection)
        if item is None:
            result.unparsed_cards += 1
        else:
            result.items.append(item)
    return result


# -- single-product JSON (/products/<handle>.json), one function per field -------------------
def product(data: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    """The product object of a /products/<handle>.json answer; ValueError (NotShopifyJSON) when
    the body is no JSON or no product of the Shopify shape the field functions read."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"product JSON does not parse: {str(exc)[:200]}") from None
    prod: Any = data.get("product", data) if isinstance(data, dict) else data
    check_product_shape(prod)
    return prod


def _variant(prod: Mapping[str, Any]) -> Mapping[str, Any]:
    variants = prod.get("variants") or [{}]
    return variants[0]


def product_id(prod: Mapping[str, Any]) -> str | None:
    return str(prod["id"]) if prod.get("id") is not None else None


def product_title(prod: Mapping[str, Any]) -> str | None:
    return (prod.get("title") or "").strip() or None


def product_brand(prod: Mapping[str, Any]) -> str | None:
    return (prod.get("vendor") or "").strip() or None


def product_handle(prod: Mapping[str, Any]) -> str | None:
    return prod.get("handle") or None


def product_legacy_id(prod: Mapping[str, Any]) -> str | None:
    m = re.search(r"-(\d+)$", prod.get("handle") or "")
    return m.group(1) if m else None


def product_type(prod: Mapping[str, Any]) -> str | None:
    return (prod.get("product_type") or "").strip() or None


def product_tags(prod: Mapping[str, Any]) -> list[str]:
    """Single-product JSON has tags as one comma-separated string (often "")."""
    tags = prod.get("tags") or ""
    if isinstance(tags, list):
        return [str(t).strip() for t in tags if t is not None and str(t).strip()]
    return [t.strip() for t in str(tags).split(",") if t.strip()]


def product_price(prod: Mapping[str, Any]) -> Decimal | None:
    return parse_price(str(_variant(prod).get("price") or ""))


def product_compare_at_price(prod: Mapping[str, Any]) -> Decimal | None:
    value = _variant(prod).get("compare_at_price")
    return parse_price(str(value)) if value not in (None, "") else None


def product_currency(prod: Mapping[str, Any]) -> str:
    return _variant(prod).get("price_currency") or CURRENCY


def product_variant_id(prod: Mapping[str, Any]) -> str | None:
    value = _variant(prod).get("id")
    return str(value) if value is not None else None


def product_sku(prod: Mapping[str, Any]) -> str | None:
    return _variant(prod).get("sku") or None


def product_published_at(prod: Mapping[str, Any]) -> datetime | None:
    """UTC; None when absent or no timestamp UTC can hold."""
    return to_utc(prod.get("published_at"))


def enrich_item(item: ListingItem, data: Mapping[str, Any] | str | bytes) -> ListingItem:
    """Add what only the product JSON has (timestamp, variant, type) to a card's item.

    The card stays the source of price, condition and availability (the JSON has no
    `available`); the JSON's compare_at_price fills a gap the card left.
    """
    prod = product(data)  # raises ValueError before the item is touched: never half enriched
    published_at, variant_id = product_published_at(prod), product_variant_id(prod)
    sku, kind = product_sku(prod), product_type(prod)
    compare, brand, tags = product_compare_at_price(prod), product_brand(prod), product_tags(prod)
    item.published_at = published_at or item.published_at
    item.variant_id = variant_id or item.variant_id
    item.sku = sku or item.sku
    item.product_type = kind or item.product_type
    if item.compare_at_price is None and compare is not None and compare > item.price:
        item.compare_at_price = compare
    item.brand_raw = item.brand_raw or brand
    if tags:
        item.raw_attributes["tags"] = ",".join(tags)
    return item


# -- product page (/products/<handle>), read to confirm a disappearance --------------------------
PRODUCT_SELECTOR = "main.product[data-product-id], [data-product-id]"


def parse_product_page(page: Any, *, url: str, base_url: str, snapshot_date: date,
                       status: int = 200) -> ListingItem | None:
    """The listing a product page shows (sold badge -> available=False), or None when the page is
    not a product page (a challenge is told apart by `is_challenge` first). Same fields as a card."""
    sel = _selector(page)
    found = sel.css(PRODUCT_SELECTOR)
    if not found:
        return None
    main = found[0]
    listing_id = card_product_id(main)
    price = card_price(main)
    if not listing_id or price is None:
        return None
    m = re.search(r"/products/([^/?#.]+)", url)
    handle = m.group(1) if m else None
    legacy = re.search(r"-(\d+)$", handle or "")
    return _item(main, listing_id, price, snapshot_date, urljoin(base_url, f"/products/{handle}") if handle else url,
                 title=_text(main, ".product__title") or _text(main, "h1"), brand=_text(main, ".product__vendor"),
                 legacy_id=legacy.group(1) if legacy else None, raw={"handle": handle})
