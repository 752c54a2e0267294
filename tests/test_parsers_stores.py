"""Config-store page object: field rules from crawlers/marketplaces.yaml on saved pages in the
sandbox config-store replica's format (tests/fixtures/stores/, built by make_fixture.py)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from crawlers.config import FieldRule, get_marketplace
from crawlers.parsers.shopify import ProductsPage
from crawlers.parsers.stores import StoreProduct
from radar.items import ListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "stores"
STORES = ("dct", "treasures", "madison")
BRANDS = ["Hermès", "Chanel", "Louis Vuitton", "Chloé", "Christian Dior", "Van Cleef & Arpels"]


def parsed(key: str) -> list[StoreProduct]:
    market = get_marketplace(key)
    products = ProductsPage((FIXTURES / f"{key}-products.json").read_bytes()).products()
    return [
        StoreProduct(p, base_url="http://127.0.0.1:9", currency=market.currency, product_path=market.product_path,
                     bag_filter=market.bag_filter, fields=market.fields, title_brands=market.title_brands)
        for p in products
    ]


@pytest.mark.parametrize("key", STORES)
def test_brand(key):
    assert [p.brand() for p in parsed(key)] == BRANDS


def test_brand_from_title_when_vendor_is_the_store():
    madison = parsed("madison")
    assert {p.product["vendor"] for p in madison} == {"Madison Avenue Couture"}
    assert madison[0].brand() == "Hermès"


@pytest.mark.parametrize("key, model", [
    ("dct", "Birkin Epsom 25 Rose Extreme"),
    ("treasures", "Rose Extreme Epsom Leather Birkin 25"),
    ("madison", "Birkin 25 Rose Extreme Epsom Palladium Hardware"),
])
def test_model_is_title_without_brand(key, model):
    assert parsed(key)[0].model() == model


@pytest.mark.parametrize("key, conditions", [
    ("dct", ["Rank SA (Like New)", "Rank A (Excellent)", "Rank AB (Good)", "Rank B (Fair)", "Rank N (Unused)",
             "Rank SA (Like New)"]),
    ("treasures", ["Excellent", "Very Good", "Good", "Fair", "New", "Excellent"]),
    ("madison", ["Pre-Owned: Excellent", "Pre-Owned: Very Good", "Pre-Owned: Good", "Pre-Owned: Fair", "New",
                 "Pre-Owned: Excellent"]),
])
def test_condition_from_body_or_tags(key, conditions):
    assert [p.condition() for p in parsed(key)] == conditions


@pytest.mark.parametrize("key", STORES)
def test_color(key):
    assert [p.color() for p in parsed(key)] == ["Rose Extreme", "Black", "Brown", "Beige", "Blue", "Gold"]


@pytest.mark.parametrize("key", STORES)
def test_material(key):
    assert parsed(key)[0].material() == "Epsom Leather"


@pytest.mark.parametrize("key", STORES)
def test_size(key):
    assert [p.size() for p in parsed(key)] == ["25", "Medium", "30", "Small", None, None]


@pytest.mark.parametrize("key", STORES)
def test_price_compare_available(key):
    products = parsed(key)
    assert products[1].price() == Decimal("9800.00")
    assert products[1].compare_at_price() == Decimal("10400.00")
    assert products[2].available() is False
    assert products[0].currency() == "USD"
    assert products[0].url() == f"http://127.0.0.1:9/products/{products[0].product['handle']}"


def test_option_and_none_rules():
    product = parsed("dct")[0].product
    rules = {"brand": FieldRule(**{"from": "vendor"}), "color": FieldRule(**{"from": "option", "option": "Title"}),
             "size": FieldRule(**{"from": "none"})}
    store = StoreProduct(product, base_url="http://x", currency="USD", fields=rules)
    assert store.color() == "Default Title"
    assert store.size() is None and store.model() is None


@pytest.mark.parametrize("key", STORES)
def test_no_unexpected_fields_and_no_raise(key):
    for product in parsed(key):
        item = product.to_item(key, date(2026, 9, 1))
        assert isinstance(item, ListingItem)
        assert {f.name for f in dataclasses.fields(item)} == {f.name for f in dataclasses.fields(ListingItem)}
        assert set(item.raw_attributes) <= {"handle", "vendor", "tags"}
        assert item.brand_raw and item.price > 0
