"""Issue 11, finding 7: property tests (hypothesis) over the parsers.

Whatever a site answers, a parser returns items the lake writer either stores or drops with a
named reason, or raises its own named error (NotShopifyJSON, ValueError for Fashionphile's
product JSON): never an unexpected exception, which would lose the product or the page. The
inputs are the real captures in tests/fixtures (Rebag's feed, a Fashionphile grid page and
product JSON, its real search results' names and prices) with fields replaced by edge values
and arbitrary JSON. Deterministic: the `radar` profile in tests/conftest.py.
"""

from __future__ import annotations

import copy
import html
import json
import re
from datetime import date
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from crawlers.config import get_marketplace
from crawlers.parsers import fashionphile as fp
from crawlers.parsers.rebag import RebagProduct
from crawlers.parsers.shopify import AjaxProductPage, CollectionPage, NotShopifyJSON, ProductsPage
from crawlers.parsers.stores import StoreProduct
from crawlers.parsers.vsp import VspProduct
from crawlers.pipelines import ValidateListingPipeline
from radar.items import ListingItem
from radar.lake import INT64_MAX, listings_to_table

FIXTURES = Path(__file__).parent / "fixtures"
DAY = date(2026, 8, 15)
BASE = "http://127.0.0.1:9"
NAMED_DROP = re.compile(r"^(missing_\w+|\w+_(unparsable|out_of_range|too_long)|bad_currency)$")

REBAG_PRODUCTS = json.loads((FIXTURES / "rebag" / "products-page-2026-08-15.json").read_text())["products"]
FP_PRODUCT = json.loads((FIXTURES / "fashionphile" / "product-markdown.json").read_text())
FP_GRID = (FIXTURES / "fashionphile" / "listing-handbags-page-2.rendered.html").read_text()
FP_REAL = json.loads((FIXTURES / "fashionphile" / "real-search-results.json").read_text())

# ---------------------------------------------------------------- strategies

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
edge_numbers = st.sampled_from([
    "99999999999.99", "9999999999.99", "9999999999.995", "1e30", "1E+400", "-1e10", "1e-400", "NaN", "-Infinity",
    "sNaN", "0", "0.00", "-0", "-5", "1,234.50", " 12 ", "", "12abc", "١٢", "²", "1" * 30, "9" * 5000,
]) | st.integers() | st.floats() | st.decimals().map(str)
edge_dates = st.sampled_from([
    "2026-08-15T03:55:12-04:00", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2026-13-45",
    "not a date", "", "2026-08-15", "2026-08-15T03:55:12Z",
]) | st.text(max_size=30)
edge_text = st.text(max_size=40) | st.sampled_from(["\ud800", "x" * 200_000, "", " ", "Hermès // Birkin 30"])


def mutated(base: dict, fields: dict) -> st.SearchStrategy:
    """`base` with some keys replaced by a value from their strategy or by any JSON value."""
    def apply(changes: dict) -> dict:
        product = copy.deepcopy(base)
        for key, value in changes.items():
            if value is _DELETE:
                product.pop(key, None)
            else:
                product[key] = value
        return product

    replacements = {key: strategy | json_values | st.just(_DELETE) for key, strategy in fields.items()}
    return st.dictionaries(st.sampled_from(sorted(replacements)), st.none(), max_size=4).flatmap(
        lambda chosen: st.fixed_dictionaries({k: replacements[k] for k in chosen})).map(apply)


_DELETE = object()


def shopify_products(base_products: list[dict]) -> st.SearchStrategy:
    def variant_changed(base: dict) -> st.SearchStrategy:
        variant = (base.get("variants") or [{}])[0]
        return mutated(variant, {"price": edge_numbers, "compare_at_price": edge_numbers, "id": json_values,
                                 "available": json_values, "option1": edge_text, "sku": edge_text})

    def one(base: dict) -> st.SearchStrategy:
        top = mutated(base, {"id": st.integers() | edge_text, "title": edge_text, "handle": edge_text,
                             "vendor": edge_text, "body_html": edge_text, "published_at": edge_dates,
                             "tags": st.lists(edge_text, max_size=4) | edge_text, "product_type": edge_text,
                             "options": json_values, "variants": json_values})
        return st.tuples(top, variant_changed(base), st.booleans()).map(
            lambda t: {**t[0], "variants": [t[1]]} if t[2] else t[0])

    return st.sampled_from(base_products).flatmap(one)


# ---------------------------------------------------------------- properties


def assert_storable_or_named(item: ListingItem) -> None:
    """The validating pipeline keeps it (and the lake can store it) or names why not."""
    assert isinstance(item, ListingItem)
    pipeline = ValidateListingPipeline()
    pipeline.open_spider(None)
    reason = pipeline.problem(ItemAdapter(item))
    if reason is None:
        assert listings_to_table([item]).num_rows == 1
    else:
        assert NAMED_DROP.match(reason), reason


def parse_shopify(page_class, product: dict, **kwargs) -> None:
    try:
        page = page_class(product, base_url=BASE, **kwargs)
        page.is_bag()
        item = page.to_item(page.marketplace, DAY)
    except NotShopifyJSON as error:
        assert str(error)  # a named reason
        return
    assert_storable_or_named(item)


@given(shopify_products(REBAG_PRODUCTS))
@example({**REBAG_PRODUCTS[0], "published_at": "0001-01-01T00:00:00+05:00"})
@example({**REBAG_PRODUCTS[0], "variants": [{**REBAG_PRODUCTS[0]["variants"][0], "compare_at_price": "NaN"}]})
@example({**REBAG_PRODUCTS[0], "title": 12})
def test_rebag_product_parses_to_an_item_or_a_named_error(product):
    parse_shopify(RebagProduct, product)


@given(shopify_products(REBAG_PRODUCTS))
def test_vsp_product_parses_to_an_item_or_a_named_error(product):
    parse_shopify(VspProduct, product)


STORES = [get_marketplace(key) for key in ("dct", "treasures", "madison")]


@given(shopify_products(REBAG_PRODUCTS), st.sampled_from(STORES))
def test_config_store_product_parses_to_an_item_or_a_named_error(product, market):
    parse_shopify(StoreProduct, product, currency=market.currency, product_path=market.product_path,
                  bag_filter=market.bag_filter, fields=market.fields, title_brands=market.title_brands)


@given(st.one_of(json_values.map(lambda v: json.dumps({"products": [v]})), json_values.map(json.dumps),
                 st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                 st.sampled_from(["[" * 5000, '{"products": [' + "1" * 5000 + "]}"])))
def test_a_products_page_is_read_or_refused_with_not_shopify_json(body):
    try:
        products = ProductsPage(body).products()
    except NotShopifyJSON:
        return
    assert all(isinstance(p, dict) and p.get("id") is not None for p in products)


@given(json_values | edge_numbers | st.integers(min_value=-(2**70), max_value=2**70))
@example(10**19)
@example("1" * 5000)
@example("²")
def test_a_products_count_is_a_storable_count_or_none(count):
    body = '{"collection": {"handle": "all-bags", "products_count": ' + _json_or_raw(count) + "}}"
    try:
        value = CollectionPage(body).products_count()
    except NotShopifyJSON:
        return
    assert value is None or (type(value) is int and 0 <= value <= INT64_MAX)


def _json_or_raw(value) -> str:
    return value if isinstance(value, str) and value.isdigit() else json.dumps(value)


@given(mutated({"id": 91, "title": "Birkin", "handle": "birkin-30", "price": 915000, "compare_at_price": None,
                "available": True, "variants": [{"id": 1, "price": 915000, "available": True}], "options": ["Size"]},
               {"price": edge_numbers | json_values, "variants": json_values, "options": json_values,
                "id": json_values, "available": json_values, "published_at": edge_dates, "tags": json_values}))
def test_a_product_js_answer_parses_or_is_refused(data):
    try:
        page = AjaxProductPage(json.dumps(data))
        page.available()
        parse_shopify(RebagProduct, page.feed_product())
    except NotShopifyJSON:
        return


# ---------------------------------------------------------------- Fashionphile

card_prices = st.sampled_from([f"${p['price']:,}.00" for p in FP_REAL[:20]]) | edge_numbers.map(lambda p: f"${p}")


@st.composite
def fashionphile_cards(draw) -> str:
    real = draw(st.sampled_from(FP_REAL))
    product_id = draw(st.sampled_from([str(real["id"])]) | st.text(max_size=20) | st.just("9" * 300))
    handle = draw(st.sampled_from([f"x-{real['id']}", ""]) | st.text(max_size=20))
    sale = draw(st.none() | card_prices)
    parts = [
        f'<div class="fp-algolia-product-card" data-product-id="{html.escape(product_id)}">',
        f'<p class="fp-card__vendor">{html.escape(draw(st.sampled_from([real["brand_name"]]) | edge_text))}</p>',
        f'<a class="fp-card__link__product-name" href="/products/{html.escape(handle)}">'
        f'{html.escape(draw(st.sampled_from([real["product_name"]]) | edge_text))}</a>',
        f'<p class="fp-condition">{html.escape(draw(st.sampled_from([real["condition"]]) | edge_text))}</p>',
        f'<span class="price-item price-item--regular">{html.escape(draw(card_prices))}</span>',
        f'<span class="price-item price-item--sale">{html.escape(sale)}</span>' if sale else "",
        '<span class="badge price__badge-sold-out">Sold Out</span>' if draw(st.booleans()) else "",
        "</div>",
    ]
    return "".join(parts)


@given(st.lists(fashionphile_cards(), max_size=4),
       st.sampled_from(["55 results", "1 result", "", "9" * 5000 + " results", "18446744073709551616 results"]),
       st.sampled_from(["5", "", "99999999999999999999999", "²", "9" * 5000]))
def test_a_fashionphile_grid_page_parses_to_items_or_unparsed_cards(cards, stats, pages):
    page = (f'<div id="fp-algolia-app"><span class="ais-Stats-text">{stats}</span><ol>{"".join(cards)}</ol>'
            f'<li class="ais-Pagination-item ais-Pagination-item--selected">{pages}</li>'
            f'<li class="ais-Pagination-item--lastPage"><a aria-label="Last, Page {pages}" href="?page={pages}"></a></li></div>')
    result = fp.parse_listing_page(page, base_url=BASE, snapshot_date=DAY, collection="handbags")
    assert len(result.items) + result.unparsed_cards == len(cards)
    for count in (result.results_count, result.last_page, result.current_page):
        assert count is None or (type(count) is int and 0 <= count <= INT64_MAX)
    for item in result.items:
        assert_storable_or_named(item)


def test_the_real_grid_capture_still_parses_every_card():
    result = fp.parse_listing_page(FP_GRID, base_url=BASE, snapshot_date=DAY, collection="handbags")
    assert result.items and result.unparsed_cards == 0
    for item in result.items:
        assert_storable_or_named(item)


@given(mutated(FP_PRODUCT["product"], {"published_at": edge_dates, "variants": json_values, "tags": json_values,
                                        "vendor": edge_text | json_values, "product_type": json_values,
                                        "handle": json_values, "id": json_values}),
       st.booleans())
@example(FP_PRODUCT["product"] | {"published_at": "0001-01-01T00:00:00+05:00"}, True)
@example(FP_PRODUCT["product"] | {"tags": [1, None]}, True)
@example(FP_PRODUCT["product"] | {"variants": ["x"]}, True)
def test_fashionphile_product_json_enriches_the_card_item_or_raises_value_error_leaving_it_as_it_was(prod, wrapped):
    card = fp.parse_listing_page(FP_GRID, base_url=BASE, snapshot_date=DAY, collection="handbags").items[0]
    before = copy.deepcopy(card)
    body = json.dumps({"product": prod} if wrapped else prod)
    try:
        item = fp.enrich_item(card, body)
    except ValueError:
        assert card == before  # nothing half-applied
        return
    assert_storable_or_named(item)


@given(st.binary(max_size=100) | json_values.map(json.dumps))
def test_fashionphile_product_json_that_is_not_a_product_raises_value_error(body):
    card = fp.parse_listing_page(FP_GRID, base_url=BASE, snapshot_date=DAY, collection="handbags").items[0]
    try:
        fp.enrich_item(card, body)
    except ValueError:
        return
