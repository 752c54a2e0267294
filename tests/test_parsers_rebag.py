"""Rebag page object on a trimmed copy of the real page captured 2026-08-15 (40 products:
bags, non-bags, 5 with available=false, 18 with an Estimated Retail Price). One test per field."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from crawlers.parsers.rebag import RebagProduct
from crawlers.parsers.shopify import ProductsPage
from radar.items import ListingItem

FIXTURE = Path(__file__).parent / "fixtures" / "rebag" / "products-page-2026-08-15.json"
BASE = "https://shop.rebag.com"
DAY = date(2026, 8, 15)

NEVERFULL = 9109690384561  # "Neverfull Tote Damier MM", available=false
CLASSIC_FLAP = 9109679767729  # "Classic Double Flap Bag Quilted Caviar Medium"
JUDY = 9109684748465  # "Judy Tote Leather East West", Estimated Retail Price $1,250
ALPIN = 9109666660529  # two exterior colours
DIONYSUS = 9109666594993  # three exterior materials
KEEPALL = 9109667709105  # Fair; option1 says "None"
HAT = 9109692711089  # a bucket hat: not a bag
SNEAKERS = 9109693497521


@pytest.fixture(scope="module")
def products() -> dict[int, dict]:
    page = ProductsPage(FIXTURE.read_bytes())
    return {p["id"]: p for p in page.products()}


def rebag(product: dict) -> RebagProduct:
    return RebagProduct(product, base_url=BASE)


def test_fixture_is_the_trimmed_real_page(products):
    assert len(products) == 40
    assert sum(not p["variants"][0]["available"] for p in products.values()) == 5
    assert sum("Estimated Retail Price" in p["body_html"] for p in products.values()) == 18


def test_brand_from_vendor(products):
    assert rebag(products[CLASSIC_FLAP]).brand() == "Chanel"
    assert rebag(products[NEVERFULL]).brand() == "Louis Vuitton"
    assert rebag(products[9109669576881]).brand() == "Christian Dior"


def test_model_from_meta_model_tag_spelled_as_in_title(products):
    assert rebag(products[CLASSIC_FLAP]).model() == "Classic Double Flap Bag"
    assert rebag(products[NEVERFULL]).model() == "Neverfull Tote"
    assert rebag(products[9109669576881]).model() == "Ultra Matte Lady Dior Chain Bag"


def test_model_falls_back_to_tag_words_then_body(products):
    sneakers = rebag(products[SNEAKERS])  # title "Women's ...": tag words kept
    assert sneakers.model() == "womens frontrow sneakers"
    no_tag = copy.deepcopy(products[CLASSIC_FLAP])
    no_tag["tags"] = [t for t in no_tag["tags"] if not t.startswith("meta-model-")]
    assert rebag(no_tag).model() == "Classic Double Flap Bag Quilted Caviar Medium"  # body "Model:"


def test_size_from_meta_size_tag(products):
    assert rebag(products[NEVERFULL]).size() == "MM"
    assert rebag(products[CLASSIC_FLAP]).size() == "Medium"
    assert rebag(products[KEEPALL]).size() == "60"
    assert rebag(products[JUDY]).size() == "East West"
    assert rebag(products[9109690253489]).size() is None  # no meta-size tag


def test_color_from_body_exterior_color(products):
    assert rebag(products[NEVERFULL]).color() == "White"
    assert rebag(products[ALPIN]).color() == "Black, Brown"


def test_color_falls_back_to_tags(products):
    product = copy.deepcopy(products[ALPIN])
    product["body_html"] = product["body_html"].replace("<b>Exterior Color:</b>", "<b>X:</b>")
    assert rebag(product).color() == "Black, Brown"
    product["tags"] = [t for t in product["tags"] if not t.startswith("bc-filter-exterior-color-")]
    assert rebag(product).color() == "Black, Brown"


def test_material_from_body_then_tags(products):
    assert rebag(products[NEVERFULL]).material() == "Canvas Coated"
    assert rebag(products[DIONYSUS]).material() == "Python, Canvas Coated, Crystal"
    product = copy.deepcopy(products[DIONYSUS])
    product["body_html"] = product["body_html"].replace("Exterior Material:", "Other:")
    assert rebag(product).material() == "Canvas Coated, Crystal, Python"  # tag order


def test_condition_from_tag_never_option1(products):
    for product in products.values():
        parsed = rebag(product).condition()
        tag_grade = [t[10:] for t in product["tags"] if t in {f"bc-filter-{g}" for g in
                     ("Pristine", "Excellent", "Great", "Very Good", "Good", "Fair")}]
        assert parsed == tag_grade[0]
        assert not product["variants"][0]["option1"].startswith(parsed + " |")
    assert rebag(products[CLASSIC_FLAP]).condition() == "Excellent"  # option1 says "Great"
    assert rebag(products[KEEPALL]).condition() == "Fair"  # option1 says "None"


def test_condition_from_body_when_no_tag(products):
    product = copy.deepcopy(products[CLASSIC_FLAP])
    product["tags"] = [t for t in product["tags"] if t != "bc-filter-Excellent"]
    assert rebag(product).condition() == "Excellent"  # body "Condition: Excellent. Exterior: ..."
    product["body_html"] = product["body_html"].replace("Condition:</b> Excellent", "Condition:</b> Very Good")
    assert rebag(product).condition() == "Very Good"


def test_price_and_compare_at_are_decimals_from_first_variant(products):
    flap = rebag(products[CLASSIC_FLAP])
    assert flap.price() == Decimal("9115.00")
    assert isinstance(flap.price(), Decimal)
    assert flap.compare_at_price() is None
    marked_down = copy.deepcopy(products[CLASSIC_FLAP])
    marked_down["variants"][0]["compare_at_price"] = "9500.00"
    assert rebag(marked_down).compare_at_price() == Decimal("9500.00")


def test_available(products):
    assert rebag(products[NEVERFULL]).available() is False
    assert rebag(products[CLASSIC_FLAP]).available() is True
    assert sum(rebag(p).available() for p in products.values()) == 35


def test_published_at_in_utc(products):
    assert rebag(products[CLASSIC_FLAP]).published_at() == datetime(2026, 8, 15, 7, 54, 51, tzinfo=UTC)


def test_estimated_retail_from_body(products):
    assert rebag(products[JUDY]).estimated_retail_price() == Decimal("1250")
    assert rebag(products[DIONYSUS]).estimated_retail_price() == Decimal("3900")
    assert rebag(products[CLASSIC_FLAP]).estimated_retail_price() is None
    assert sum(rebag(p).estimated_retail_price() is not None for p in products.values()) == 18


def test_bag_filter_by_tags(products):
    assert rebag(products[CLASSIC_FLAP]).is_bag()
    assert not rebag(products[HAT]).is_bag()
    assert not rebag(products[SNEAKERS]).is_bag()
    assert sum(rebag(p).is_bag() for p in products.values()) == 32


def test_url_identity_and_currency(products):
    flap = rebag(products[CLASSIC_FLAP])
    assert flap.url() == BASE + "/products/" + products[CLASSIC_FLAP]["handle"]
    assert flap.listing_id() == "9109679767729"
    assert flap.variant_id() == str(products[CLASSIC_FLAP]["variants"][0]["id"])
    assert flap.sku() == "448936/3"
    assert flap.currency() == "USD"
    assert RebagProduct(products[CLASSIC_FLAP], base_url="http://127.0.0.1:9/").url().startswith(
        "http://127.0.0.1:9/products/handbags-chanel-classic-double-flap")


def test_raw_attributes(products):
    attrs = rebag(products[CLASSIC_FLAP]).raw_attributes()
    assert attrs["item_number"] == "448936/3"
    assert attrs["measurements"].startswith("Handle Drop")
    assert attrs["style"] == "quilted caviar"
    assert attrs["hardware_color"] == "Gold"
    assert attrs["variant_option1"].startswith("Great |")  # kept for audits only
    assert all(isinstance(v, str) for v in attrs.values())


def test_item_has_no_unexpected_fields(products):
    item = rebag(products[CLASSIC_FLAP]).to_item("rebag", DAY)
    assert isinstance(item, ListingItem)
    assert {f.name for f in dataclasses.fields(item)} == {f.name for f in dataclasses.fields(ListingItem)}
    assert set(item.raw_attributes) <= {
        "handle", "item_number", "measurements", "accessories", "designer", "body_model", "style",
        "model_slug", "size_slug", "hardware_color", "interior_color", "interior_material",
        "condition_notes", "item_type", "location", "channels", "variant_option1", "variant_color",
    }
    assert item.snapshot_date == DAY and item.marketplace == "rebag"
    assert item.scraped_at is None  # set by the pipeline


def test_does_not_raise_on_any_fixture_product(products):
    for product in products.values():
        item = rebag(product).to_item("rebag", DAY)
        assert item.price > 0
        assert item.brand_raw and item.condition_raw and item.title
        assert item.published_at is not None and item.published_at.tzinfo is not None


def test_full_real_page():
    real = Path(__file__).resolve().parent / "fixtures" / "rebag" / "products-page-2026-08-15-all.json"
    items = [rebag(p).to_item("rebag", DAY) for p in ProductsPage(real.read_bytes()).products()]
    assert len(items) == 250
    assert sum(i.model_raw is not None for i in items) == 250
    assert sum(i.estimated_retail_price is not None for i in items) == 75
