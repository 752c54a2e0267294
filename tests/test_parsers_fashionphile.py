"""Fashionphile parsers, one test per field, on saved responses (no network, no browser).

Fixtures (tests/fixtures/fashionphile, see regenerate.py): page 2 of `collections/handbags`
rendered by Chromium (12 cards of 55 results, 5 pages), the same page fetched without a browser,
an empty result, a failed in-page search, a challenge page, product JSONs.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawlers.parsers import fashionphile as fp
from radar.items import ListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "fashionphile"
BASE = "https://www.fashionphile.com"
DAY = date(2026, 9, 3)

SOLD_ID = "9100000108780"  # first card: sold out, Shows Wear, $2,957.00
MARKDOWN_ID = "9100000136658"  # $7,605.00 -> $6,790.00, Excellent
MARKDOWN_SOLD_ID = "9100000177672"  # marked down and sold
GIFTABLE_ID = "9100000204503"  # NEW, odd id -> Giftable
NEW_ID = "9100000123140"  # NEW, even id -> New


def html_response(name: str, url: str = f"{BASE}/collections/handbags?page=2", status: int = 200) -> HtmlResponse:
    return HtmlResponse(url=url, body=(FIXTURES / name).read_bytes(), status=status, encoding="utf-8")


@pytest.fixture(scope="module")
def rendered() -> HtmlResponse:
    return html_response("listing-handbags-page-2.rendered.html")


@pytest.fixture(scope="module")
def card_by_id(rendered: HtmlResponse):
    return {fp.card_product_id(c): c for c in fp.cards(rendered)}


# -- page state: checked before any card is read -----------------------------------------------
def test_rendered_page_is_ok(rendered):
    assert fp.page_state(rendered) == fp.OK


def test_plain_fetch_is_not_rendered_never_an_empty_result():
    plain = html_response("listing-handbags-page-2.plain.html")
    assert fp.page_state(plain) == fp.NOT_RENDERED
    assert fp.cards(plain) == []
    page = fp.parse_listing_page(plain, base_url=BASE, snapshot_date=DAY)
    assert page.items == [] and page.results_count is None and page.last_page is None


def test_empty_result_is_an_explicit_no_results():
    empty = html_response("listing-empty.rendered.html")
    assert fp.page_state(empty) == fp.NO_RESULTS
    assert fp.results_count(empty) == 0


def test_failed_search_is_search_error():
    assert fp.page_state(html_response("listing-search-error.rendered.html")) == fp.SEARCH_ERROR


@pytest.mark.parametrize("status", [403, 200])
def test_challenge_page_is_blocked(status):
    challenge = html_response("challenge.html", status=status)
    assert fp.page_state(challenge) == fp.BLOCKED
    assert fp.is_challenge(status, challenge.text)


def test_a_429_without_markers_is_blocked():
    assert fp.page_state(HtmlResponse(url=BASE, body=b"<html><body>Too many</body></html>", status=429)) == fp.BLOCKED


# -- page fields ---------------------------------------------------------------------------------
def test_results_count(rendered):
    assert fp.results_count(rendered) == 55


def test_results_count_with_thousands_separator():
    assert fp.results_count('<div class="ais-Stats"><span class="ais-Stats-text">12,345 results</span></div>') == 12345


def test_last_page(rendered):
    assert fp.last_page(rendered) == 5


def test_last_page_when_disabled_on_the_last_page():
    html = ('<li class="ais-Pagination-item ais-Pagination-item--lastPage ais-Pagination-item--disabled">'
            '<span class="ais-Pagination-link" aria-label="Last Page, Page 7">››</span></li>')
    assert fp.last_page(html) == 7


def test_last_page_from_href_without_label():
    html = '<li class="ais-Pagination-item--lastPage"><a href="/collections/handbags?page=9">»</a></li>'
    assert fp.last_page(html) == 9


def test_current_page(rendered):
    assert fp.current_page(rendered) == 2


def test_cards(rendered):
    assert len(fp.cards(rendered)) == 12


# -- card fields ---------------------------------------------------------------------------------
def test_card_product_id(card_by_id):
    assert SOLD_ID in card_by_id and all(k and k.isdigit() for k in card_by_id)


def test_card_brand(card_by_id):
    assert fp.card_brand(card_by_id[SOLD_ID]) == "Gucci"
    assert fp.card_brand(card_by_id[MARKDOWN_ID]) == "Hermès"


def test_card_title(card_by_id):
    assert fp.card_title(card_by_id[SOLD_ID]) == "GG Supreme Small Jackie 1961 Etoupe"
    assert fp.card_title(card_by_id[MARKDOWN_ID]) == "Togo 30 Birkin Beige"


def test_card_url(card_by_id):
    assert fp.card_url(card_by_id[SOLD_ID], BASE) == f"{BASE}/products/gucci-gg-supreme-small-jackie-1961-etoupe-1100013"


def test_card_handle(card_by_id):
    assert fp.card_handle(card_by_id[MARKDOWN_ID]) == "hermes-togo-30-birkin-beige-1100017"


def test_card_legacy_id(card_by_id):
    assert fp.card_legacy_id(card_by_id[SOLD_ID]) == "1100013"


def test_card_price_regular(card_by_id):
    assert fp.card_price(card_by_id[SOLD_ID]) == Decimal("2957.00")


def test_card_price_is_the_sale_price_when_marked_down(card_by_id):
    assert fp.card_price(card_by_id[MARKDOWN_ID]) == Decimal("6790.00")


def test_card_compare_at_price(card_by_id):
    assert fp.card_compare_at_price(card_by_id[MARKDOWN_ID]) == Decimal("7605.00")
    assert fp.card_compare_at_price(card_by_id[SOLD_ID]) is None


def test_card_condition(card_by_id):
    assert fp.card_condition(card_by_id[SOLD_ID]) == "Shows Wear"
    assert fp.card_condition(card_by_id[MARKDOWN_ID]) == "Excellent"  # VERY_GOOD shows as Excellent
    assert fp.card_condition(card_by_id[GIFTABLE_ID]) == "Giftable"
    assert fp.card_condition(card_by_id[NEW_ID]) == "New"
    grades = {fp.card_condition(c) for c in card_by_id.values()}
    assert grades <= {"New", "Giftable", "Excellent", "Shows Wear", "Worn"}
    assert "Worn" in grades


def test_card_sold(card_by_id):
    assert fp.card_sold(card_by_id[SOLD_ID]) is True
    assert fp.card_sold(card_by_id[MARKDOWN_SOLD_ID]) is True
    assert fp.card_sold(card_by_id[MARKDOWN_ID]) is False
    assert sum(fp.card_sold(c) for c in card_by_id.values()) == 2


def test_parse_price():
    assert fp.parse_price("$12,345.50") == Decimal("12345.50")
    assert fp.parse_price("$995") == Decimal("995.00")
    assert fp.parse_price("Sold Out") is None
    assert fp.parse_price(None) is None


# -- the item ------------------------------------------------------------------------------------
def test_parse_listing_page_items(rendered):
    page = fp.parse_listing_page(rendered, base_url=BASE, snapshot_date=DAY, collection="handbags")
    assert page.state == fp.OK and page.unparsed_cards == 0
    assert (page.results_count, page.last_page, page.current_page) == (55, 5, 2)
    assert len(page.items) == 12 and len({i.listing_id for i in page.items}) == 12
    sold = {i.listing_id for i in page.items if not i.available}
    assert sold == {SOLD_ID, MARKDOWN_SOLD_ID}


def test_sold_card_becomes_an_unavailable_item(card_by_id):
    item = fp.parse_card(card_by_id[SOLD_ID], base_url=BASE, snapshot_date=DAY, collection="handbags")
    assert item == ListingItem(
        marketplace="fashionphile", listing_id=SOLD_ID, snapshot_date=DAY,
        url=f"{BASE}/products/gucci-gg-supreme-small-jackie-1961-etoupe-1100013",
        title="GG Supreme Small Jackie 1961 Etoupe", brand_raw="Gucci", model_raw=None, size_raw=None,
        color_raw=None, material_raw=None, condition_raw="Shows Wear", price=Decimal("2957.00"),
        currency="USD", compare_at_price=None, available=False, published_at=None,
        estimated_retail_price=None, sku="1100013",
        raw_attributes={"handle": "gucci-gg-supreme-small-jackie-1961-etoupe-1100013", "legacy_id": "1100013",
                        "collection": "handbags"},
    )


def test_card_item_has_no_unexpected_fields(card_by_id):
    item = fp.parse_card(card_by_id[MARKDOWN_ID], base_url=BASE, snapshot_date=DAY)
    assert isinstance(item, ListingItem)
    assert {f.name for f in dataclasses.fields(item)} == {f.name for f in dataclasses.fields(ListingItem)}
    assert set(item.raw_attributes) <= {"handle", "legacy_id", "collection", "tags"}


def test_card_without_price_is_not_an_item():
    card = fp.cards('<div class="fp-algolia-product-card" data-product-id="1">'
                    '<a class="fp-card__link__product-name" href="/products/x-1">X</a></div>')[0]
    assert fp.parse_card(card, base_url=BASE, snapshot_date=DAY) is None


def test_parsers_do_not_raise_on_junk():
    for junk in ("", "<html></html>", "<div class='fp-algolia-product-card' data-product-id=''></div>"):
        page = fp.parse_listing_page(junk, base_url=BASE, snapshot_date=DAY)
        assert page.items == []


# -- product JSON (/products/<handle>.json) -------------------------------------------------------
@pytest.fixture(scope="module")
def markdown_json() -> bytes:
    return (FIXTURES / "product-markdown.json").read_bytes()


@pytest.fixture(scope="module")
def markdown_product(markdown_json):
    return fp.product(markdown_json)


def test_product_id(markdown_product):
    assert fp.product_id(markdown_product) == MARKDOWN_ID


def test_product_brand(markdown_product):
    assert fp.product_brand(markdown_product) == "Hermès"


def test_product_title(markdown_product):
    assert fp.product_title(markdown_product) == "Togo 30 Birkin Beige"


def test_product_handle_and_legacy_id(markdown_product):
    assert fp.product_handle(markdown_product) == "hermes-togo-30-birkin-beige-1100017"
    assert fp.product_legacy_id(markdown_product) == "1100017"


def test_product_type(markdown_product):
    assert fp.product_type(markdown_product) == "Top handle bags"
    assert fp.product_type(fp.product((FIXTURES / "product-non-bag.json").read_bytes())) == "Wallets"


def test_product_tags_is_a_string(markdown_product):
    assert markdown_product["tags"] == ""
    assert fp.product_tags(markdown_product) == []
    assert fp.product_tags({"tags": "a, b ,c"}) == ["a", "b", "c"]


def test_product_price(markdown_product):
    assert fp.product_price(markdown_product) == Decimal("6790.00")


def test_product_compare_at_price(markdown_product):
    assert fp.product_compare_at_price(markdown_product) == Decimal("7605.00")
    sold = fp.product((FIXTURES / "product-sold.json").read_bytes())
    assert fp.product_compare_at_price(fp.product((FIXTURES / "product-non-bag.json").read_bytes())) is None
    assert fp.product_compare_at_price(sold) is None


def test_product_has_no_available_flag(markdown_product):
    assert "available" not in markdown_product["variants"][0]


def test_product_currency(markdown_product):
    assert fp.product_currency(markdown_product) == "USD"


def test_product_variant_id_and_sku(markdown_product):
    assert fp.product_variant_id(markdown_product) == "49000000000017"
    assert fp.product_sku(markdown_product) == "1100017"


def test_product_published_at(markdown_product):
    assert fp.product_published_at(markdown_product) == datetime(2026, 8, 30, 9, 0, tzinfo=UTC)


def test_enrich_item_keeps_card_price_and_availability(card_by_id, markdown_json):
    item = fp.parse_card(card_by_id[MARKDOWN_ID], base_url=BASE, snapshot_date=DAY)
    enriched = fp.enrich_item(item, markdown_json)
    assert enriched.published_at == datetime(2026, 8, 30, 9, 0, tzinfo=UTC)
    assert (enriched.variant_id, enriched.sku, enriched.product_type) == ("49000000000017", "1100017", "Top handle bags")
    assert (enriched.price, enriched.compare_at_price, enriched.available) == (Decimal("6790.00"), Decimal("7605.00"), True)


def test_sold_product_page_shows_the_badge():
    page = html_response("product-sold.html", url=f"{BASE}/products/x")
    assert page.css("span.price__badge-sold-out")
