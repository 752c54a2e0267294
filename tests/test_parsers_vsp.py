"""VSP page object on a saved page in the replica's format (tests/fixtures/vsp/, built by
make_fixture.py from sandbox/replicas/vsp.py). One test per field."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crawlers.config import get_marketplace
from crawlers.parsers.shopify import ProductsPage
from crawlers.parsers.vsp import VspProduct
from radar.items import ListingItem

FIXTURES = Path(__file__).parent / "fixtures" / "vsp"
BASE = "https://vspconsignment.com"


@pytest.fixture(scope="module")
def products() -> list[dict]:
    return ProductsPage((FIXTURES / "products-page.json").read_bytes()).products()


@pytest.fixture(scope="module")
def truth() -> list[dict]:
    return json.loads((FIXTURES / "truth.json").read_text())["truth"]


def vsp(product: dict) -> VspProduct:
    return VspProduct(product, base_url=BASE)


def by_title(products, start: str) -> VspProduct:
    return vsp(next(p for p in products if p["title"].startswith(start)))


def test_brand_from_title_prefix_not_house_vendor(products, truth):
    assert {p["vendor"] for p in products} == {"VSP Archive"}
    assert [vsp(p).brand() for p in products] == [t["brand"] for t in truth]


def test_model_from_body_summary(products):
    assert by_title(products, "Chanel // Black Caviar").model() == "Classic Double Flap Bag"
    assert by_title(products, "Hermès // Beige Togo").model() == "Birkin Bag"
    assert by_title(products, "Chanel // Black Aged").model() == "2.55 Reissue Flap Bag"
    assert by_title(products, "Chanel // Pink").model() == "19 Bag"


def test_size_token_before_model(products, truth):
    assert [vsp(p).size() for p in products if vsp(p).is_bag()] == [t["size"] for t in truth if t["is_bag"]]


def test_color_word_from_title(products, truth):
    assert [vsp(p).color() for p in products] == [t["color"] for t in truth]


def test_material_between_colour_and_size(products):
    assert by_title(products, "Chanel // Black Caviar").material() == "Caviar"
    assert by_title(products, "Louis Vuitton // Brown Monogram Canvas MM").material() == "Monogram Canvas"
    assert by_title(products, "Christian Dior").material() == "Oblique Canvas"


def test_condition_stated_or_from_wear_phrase(products):
    assert by_title(products, "Chanel // Black Caviar").condition() == "Excellent"  # "Condition: Excellent."
    assert by_title(products, "Hermès // Beige Togo").condition() == "Very Good"  # "Gently used ..."
    assert by_title(products, "Louis Vuitton // Brown Monogram Canvas MM").condition() == "Good"  # "Pre-loved ..."
    assert by_title(products, "Gucci").condition() == "Excellent"  # "like-new condition"
    scale = {"NEW": "New", "EXCELLENT": "Excellent", "VERY_GOOD": "Very Good", "GOOD": "Good", "FAIR": "Fair"}
    truth = json.loads((FIXTURES / "truth.json").read_text())["truth"]
    assert [vsp(p).condition() for p in products] == [scale[t["condition"]] for t in truth]


def test_price_in_cad_and_compare_at(products):
    birkin = by_title(products, "Hermès // Beige Togo")
    assert birkin.price() == Decimal("24500.00")
    assert birkin.compare_at_price() == Decimal("26000.00")
    assert birkin.currency() == "CAD"


def test_available(products):
    assert by_title(products, "Louis Vuitton // Brown Monogram Canvas MM").available() is False
    assert by_title(products, "Chanel // Black Caviar").available() is True


def test_localised_url(products):
    product = products[0]
    assert vsp(product).url() == f"{BASE}/en-us/products/{product['handle']}"


def test_bags_only_by_type_or_config_filter(products, truth):
    assert [vsp(p).is_bag() for p in products] == [t["is_bag"] for t in truth]
    configured = get_marketplace("vsp").bag_filter
    assert [VspProduct(p, base_url=BASE, bag_filter=configured).is_bag() for p in products] == [t["is_bag"] for t in truth]


def test_published_at_utc(products):
    assert vsp(products[0]).published_at() == datetime(2026, 8, 30, 14, 0, tzinfo=UTC)


def test_no_unexpected_fields_and_no_estimated_retail(products):
    item = vsp(products[0]).to_item("vsp", date(2026, 9, 1))
    assert isinstance(item, ListingItem)
    assert {f.name for f in dataclasses.fields(item)} == {f.name for f in dataclasses.fields(ListingItem)}
    assert item.estimated_retail_price is None
    assert set(item.raw_attributes) <= {"handle", "vendor", "description", "summary", "condition_text",
                                        "condition_stated", "measurements", "includes"}


def test_does_not_raise_on_any_fixture_product(products):
    for product in products:
        item = vsp(product).to_item("vsp", date(2026, 9, 1))
        assert item.brand_raw and item.price > 0 and item.currency == "CAD"
