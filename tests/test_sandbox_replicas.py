"""Sandbox replicas: Shopify paging rules, record shapes against the real Rebag capture,
VSP and config-store formats. Replicas are called directly (no sockets) on hand-built states."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from protego import Protego

from sandbox.model import Listing, ListingState
from sandbox.replicas import SandboxRequest, SandboxResponse, create_replica
from sandbox.replicas.rebag import GRADES
from sandbox.replicas.shopify import chance
from sandbox.replicas.stores import STORE_OPTIONS, StoreOptions, load_store_options, register_store

# The real Rebag page (250 products, images trimmed to the first), kept in the project's fixtures.
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rebag" / "products-page-2026-08-15-all.json"
EDT = timezone(timedelta(hours=-4))
DAY = date(2026, 8, 17)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
PRICE = re.compile(r"^\d+\.\d{2}$")


# ---- building blocks ----------------------------------------------------------------------
def make_listing(n: int = 0, **overrides) -> Listing:
    fields = {
        "marketplace": "rebag",
        "listing_id": 9_109_683_437_745 + n,
        "variant_id": 47_847_366_820_017 + n,
        "sku": f"{448936 + n}/3",
        "brand": "Chanel",
        "model": "Classic Flap",
        "size": "Medium",
        "style": "Quilted Caviar",
        "material": "Caviar Leather",
        "color": "Black",
        "hardware_color": "Gold",
        "condition": "EXCELLENT",
        "category": "Shoulder bags",
        "is_bag": True,
        "retail_price_usd": 10_800,
        "show_retail": True,
        "published_at": datetime(2026, 8, 15, 3, 55, 12, tzinfo=EDT) - timedelta(minutes=7 * n),
        "listed_date": date(2026, 8, 15),
    }
    fields.update(overrides)
    return Listing(**fields)


def make_state(listing: Listing, price: str = "9115.00", compare_at: str | None = None, available: bool = True) -> ListingState:
    return ListingState(listing, Decimal(price), Decimal(compare_at) if compare_at else None, available)


def many_states(count: int, **overrides) -> list[ListingState]:
    return [make_state(make_listing(n, **overrides), price=f"{1000 + n}.00") for n in range(count)]


def call(replica, path: str, states, day: date = DAY, **query) -> SandboxResponse:
    request = SandboxRequest(path, {k: [str(v)] for k, v in query.items()}, {"Host": "127.0.0.1:8000"}, day, lambda: states)
    return replica.respond(request)


def products(replica, path: str, states, **query) -> list[dict]:
    response = call(replica, path, states, **query)
    assert response.status == 200, response.body[:200]
    return json.loads(response.body)["products"]


def crawl_all(replica, path: str, states) -> list[dict]:
    found, page = [], 1
    while batch := products(replica, path, states, limit=250, page=page):
        found += batch
        page += 1
    return found


@pytest.fixture(scope="module")
def fixture_products() -> list[dict]:
    return json.loads(FIXTURE.read_text())["products"]


@pytest.fixture
def rebag():
    return create_replica("rebag", "USD")


BIRKIN = {"brand": "Hermès", "model": "Birkin", "size": "30", "style": "Togo", "material": "Togo Leather", "color": "Grey",
              "hardware_color": "Palladium", "category": "Top handle"}
NEVERFULL = {"brand": "Louis Vuitton", "model": "Neverfull", "size": "MM", "style": "Damier", "material": "Canvas Coated",
                 "color": "Brown", "category": "Totes", "hardware_color": "Gold"}
WALLET = {"brand": "Louis Vuitton", "model": "Zippy Wallet", "size": None, "style": "Monogram Canvas",
          "material": "Canvas Coated", "color": "Brown", "category": "Wallets", "is_bag": False, "hardware_color": None}


# ---- Shopify paging ---------------------------------------------------------------------------
def test_default_page_is_30_products(rebag):
    assert len(products(rebag, "/products.json", many_states(70))) == 30


def test_limit_above_250_is_clamped_to_250(rebag):
    assert len(products(rebag, "/products.json", many_states(300), limit=1000)) == 250


def test_past_25000_items_answers_400(rebag):
    states = many_states(3)
    assert call(rebag, "/products.json", states, limit=250, page=100).status == 200
    response = call(rebag, "/products.json", states, limit=250, page=101)
    assert response.status == 400
    assert json.loads(response.body) == {"errors": "Page * Limit exceeds the 25000 limit."}
    # the cap counts the clamped limit: 1000 -> 250, so page 101 still fails
    assert call(rebag, "/products.json", states, limit=1000, page=101).status == 400


def test_paging_ends_with_an_empty_page_and_no_totals(rebag):
    states = many_states(45)
    response = call(rebag, "/products.json", states, limit=20, page=3)
    assert len(json.loads(response.body)["products"]) == 5
    assert json.loads(call(rebag, "/products.json", states, limit=20, page=4).body) == {"products": []}
    assert set(json.loads(response.body)) == {"products"}
    assert "Link" not in response.headers


def test_bad_paging_values_fall_back_to_defaults(rebag):
    states = many_states(40)
    assert len(products(rebag, "/products.json", states, limit="abc", page="x")) == 30
    assert [p["id"] for p in products(rebag, "/products.json", states, page=0)] == [
        p["id"] for p in products(rebag, "/products.json", states, page=1)
    ]


def test_products_are_newest_published_first_across_pages(rebag):
    states = many_states(60)
    states.reverse()  # the replica must sort, not trust the input order
    served = crawl_all(rebag, "/products.json", states)
    published = [datetime.fromisoformat(p["published_at"]) for p in served]
    assert published == sorted(published, reverse=True)
    assert len({p["id"] for p in served}) == 60


# ---- collections ------------------------------------------------------------------------------
def mixed_catalogue() -> list[ListingState]:
    return [
        make_state(make_listing(0)),
        make_state(make_listing(1, **BIRKIN), price="21000.00"),
        make_state(make_listing(2, **NEVERFULL), price="1650.00"),
        make_state(make_listing(3, **WALLET), price="580.00"),
        make_state(make_listing(4, brand="Goyard", model="Saint Louis", size="PM", style="Goyardine Canvas",
                                material="Canvas Coated", category="Totes", hardware_color=None)),
    ]


@pytest.mark.parametrize(
    "handle, expected",
    [("all", 5), ("all-bags", 4), ("louis-vuitton", 2), ("totes", 2), ("wallets", 1), ("hermes", 1), ("other-brands", 0)],
)
def test_collection_counts_match_the_products_served(rebag, handle, expected):
    states = mixed_catalogue()
    collection = json.loads(call(rebag, f"/collections/{handle}.json", states).body)["collection"]
    served = crawl_all(rebag, f"/collections/{handle}/products.json", states)
    assert collection["handle"] == handle
    assert collection["products_count"] == len(served) == expected


def test_all_bags_holds_bags_only_and_brand_collections_hold_everything(rebag):
    states = mixed_catalogue()
    bag_tags = [set(p["tags"]) for p in crawl_all(rebag, "/collections/all-bags/products.json", states)]
    assert all({"item-type-handbag", "handbag", "all-bags"} <= tags for tags in bag_tags)
    lv_types = {p["product_type"] for p in crawl_all(rebag, "/collections/louis-vuitton/products.json", states)}
    assert lv_types == {"Totes", "Wallets"}


def test_unknown_collection_and_path_answer_404(rebag):
    states = mixed_catalogue()
    assert call(rebag, "/collections/no-such-thing.json", states).status == 404
    assert call(rebag, "/collections/no-such-thing/products.json", states).status == 404
    assert call(rebag, "/cart.json", states).status == 404


def test_brand_outside_the_featured_list_is_in_other_brands(rebag):
    states = [make_state(make_listing(0, brand="Moreau", model="Vendome", category="Totes"))]
    assert [p["vendor"] for p in crawl_all(rebag, "/collections/other-brands/products.json", states)] == ["Moreau"]


# ---- single product, .js, robots.txt ---------------------------------------------------------------
def test_single_product_json_has_its_own_shape(rebag):
    states = mixed_catalogue()
    listed = products(rebag, "/products.json", states)[0]
    single = json.loads(call(rebag, f"/products/{listed['handle']}.json", states).body)["product"]
    assert single["tags"] == ", ".join(listed["tags"])
    variant = single["variants"][0]
    assert "available" not in variant
    assert variant["price_currency"] == "USD"
    assert {"barcode", "inventory_management"} <= set(variant)
    assert variant["price"] == listed["variants"][0]["price"]


def test_ajax_product_js_has_prices_in_cents_and_available(rebag):
    states = [make_state(make_listing(0), price="9115.00", compare_at="9500.00", available=False)]
    handle = products(rebag, "/products.json", states)[0]["handle"]
    ajax = json.loads(call(rebag, f"/products/{handle}.js", states).body)
    assert (ajax["price"], ajax["compare_at_price"], ajax["available"]) == (911500, 950000, False)


def test_unknown_product_is_404(rebag):
    assert call(rebag, "/products/nope.json", mixed_catalogue()).status == 404


def test_robots_txt_is_shopifys_default(rebag):
    robots = Protego.parse(call(rebag, "/robots.txt", []).body.decode())
    assert robots.can_fetch("http://127.0.0.1:8000/products.json?limit=250&page=2", "*")
    assert robots.can_fetch("http://127.0.0.1:8000/collections/all-bags/products.json", "*")
    assert not robots.can_fetch("http://127.0.0.1:8000/search?q=birkin", "*")
    assert not robots.can_fetch("http://127.0.0.1:8000/cart", "*")


# ---- Rebag record shape vs the real capture ---------------------------------------------------------
def test_rebag_record_has_exactly_the_real_keys(rebag, fixture_products):
    served = products(rebag, "/products.json", mixed_catalogue())
    real = fixture_products[0]
    for product in served:
        assert list(product) == list(real)
        assert list(product["variants"][0]) == list(real["variants"][0])
        assert list(product["images"][0]) == list(real["images"][0])
        assert [o["name"] for o in product["options"]] == ["Default Title", "Color"]


def test_rebag_values_have_the_real_types(rebag):
    for product in products(rebag, "/products.json", mixed_catalogue()):
        variant = product["variants"][0]
        assert isinstance(product["id"], int) and product["id"] > 2**32
        assert isinstance(variant["id"], int) and variant["product_id"] == product["id"]
        assert PRICE.match(variant["price"])
        assert variant["compare_at_price"] is None
        assert all(TIMESTAMP.match(product[key]) for key in ("published_at", "created_at", "updated_at"))
        assert product["tags"] == sorted(product["tags"], key=str.lower)


def test_rebag_tags_are_sorted_like_the_capture(fixture_products):
    # the rule the replica follows, checked on the real page
    assert all(p["tags"] == sorted(p["tags"], key=str.lower) for p in fixture_products)


def test_marked_down_price_shows_compare_at(rebag):
    states = [make_state(make_listing(0), price="8500.00", compare_at="9115.00")]
    variant = products(rebag, "/products.json", states)[0]["variants"][0]
    assert (variant["price"], variant["compare_at_price"]) == ("8500.00", "9115.00")


@pytest.mark.parametrize(
    "overrides, title, vendor",
    [
        ({}, "Classic Double Flap Bag Quilted Caviar Medium", "Chanel"),
        (BIRKIN, "Birkin Handbag Grey Togo with Palladium Hardware 30", "Hermes"),
        (NEVERFULL, "Neverfull Tote Damier MM", "Louis Vuitton"),
        ({"brand": "Christian Dior", "model": "Saddle", "size": "Mini", "style": "Oblique Canvas"},
         "Saddle Handbag Oblique Canvas Mini", "Christian Dior"),
        ({"brand": "Chloé", "model": "Marcie", "size": "Small", "style": "Calfskin", "category": "Satchels"},
         "Marcie Satchel Calfskin Small", "Chloe"),
        ({"brand": "Valentino", "model": "Rockstud", "size": None, "style": "Leather", "category": "Top handle"},
         "Rockstud Bag Leather", "Valentino Garavani"),
    ],
)
def test_rebag_title_and_vendor(rebag, overrides, title, vendor):
    product = products(rebag, "/products.json", [make_state(make_listing(0, **overrides))])[0]
    assert (product["title"], product["vendor"]) == (title, vendor)
    assert vendor not in product["title"] or (vendor == "Christian Dior" and "Dior" not in title)


def test_rebag_tags_decompose_the_title(rebag):
    product = products(rebag, "/products.json", [make_state(make_listing(1, **BIRKIN), price="21000.00")])[0]
    tags = set(product["tags"])
    assert {"meta-model-birkin-handbag", "meta-style-grey-togo-with-palladium-hardware", "meta-size-30"} <= tags
    assert {"exterior-color-gray", "bc-filter-exterior-color-Gray", "hardware-color-palladium"} <= tags
    assert {"exterior-material-leather", "bc-filter-exterior-material-Leather"} <= tags
    assert {"item-type-handbag", "handbag", "all-bags", "hermes", "top-handle", "bc-filter-Top Handle"} <= tags
    assert "over-10000" in tags
    assert any(t.startswith("interior-color-") for t in tags)


def test_rebag_non_bags_carry_their_item_type(rebag):
    product = products(rebag, "/products.json", [make_state(make_listing(3, **WALLET), price="580.00")])[0]
    tags = set(product["tags"])
    assert {"item-type-accessory", "accessory", "bc-filter-accessory-type-Wallets", "wallets"} <= tags
    assert not tags & {"item-type-handbag", "handbag", "all-bags"}
    assert product["handle"].startswith("accessories-louis-vuitton-zippy-wallet-monogram-canvas-")


def test_rebag_price_bucket_and_off_retail_bucket(rebag):
    product = products(rebag, "/products.json", [make_state(make_listing(0, retail_price_usd=3250), price="1425.00")])[0]
    assert {"1000-to-2500", "40%-59%"} <= set(product["tags"])


def grade_of(product: dict) -> str:
    return next(t.removeprefix("bc-filter-") for t in product["tags"] if t.removeprefix("bc-filter-") in GRADES)


def option1_grade(product: dict) -> str:
    return product["variants"][0]["option1"].split(" | ")[0]


def one_grade_below(grade: str) -> set[str]:
    index = GRADES.index(grade) + 1
    return {GRADES[index]} if index < len(GRADES) else {"None", "Outlet"}


def test_option1_is_one_grade_below_the_tag_on_the_real_page(fixture_products):
    assert all(option1_grade(p) in one_grade_below(grade_of(p)) for p in fixture_products)


@pytest.mark.parametrize("condition", ["NEW", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR"])
def test_option1_is_one_grade_below_the_tag_and_body(rebag, condition):
    states = [make_state(make_listing(n, condition=condition)) for n in range(12)]
    for product in products(rebag, "/products.json", states):
        grade = grade_of(product)
        assert option1_grade(product) in one_grade_below(grade)
        assert product["variants"][0]["option1"].endswith(f"| Item # {product['variants'][0]['sku']}")
        if "Condition:" in product["body_html"]:
            assert f"<b>Condition:</b> {grade}." in product["body_html"]


def test_grades_follow_the_common_condition():
    expected = {"NEW": {"Pristine"}, "EXCELLENT": {"Excellent"}, "VERY_GOOD": {"Great", "Very Good"}, "GOOD": {"Good"},
                "FAIR": {"Fair"}}
    for condition, grades in expected.items():
        states = [make_state(make_listing(n, condition=condition)) for n in range(20)]
        fresh = create_replica("rebag", "USD")  # a replica caches a day's catalogue
        seen = {grade_of(p) for p in products(fresh, "/products.json", states)}
        assert seen == grades
    very_good = [make_state(make_listing(5, condition="VERY_GOOD"))]
    twice = [grade_of(products(create_replica("rebag", "USD"), "/products.json", very_good)[0]) for _ in range(2)]
    assert twice[0] == twice[1]  # deterministic per listing


def test_option2_is_the_lowercase_colour(rebag):
    product = products(rebag, "/products.json", [make_state(make_listing(0, color="Beige"))])[0]
    assert product["variants"][0]["option2"] == "neutral"
    assert product["variants"][0]["title"] == f"{product['variants'][0]['option1']} / neutral"


def body_labels(body: str) -> list[str]:
    return re.findall(r"<b>([^<]+):</b>", body)


def test_body_block_follows_the_real_layout(rebag, fixture_products):
    real_order = body_labels(fixture_products[2]["body_html"])  # has Estimated Retail Price
    states = [make_state(make_listing(n, show_retail=True)) for n in range(30)]
    full = [p for p in products(rebag, "/products.json", states) if p["body_html"].startswith("<p>These are")]
    assert full
    for product in full:
        labels = body_labels(product["body_html"])
        assert labels == [label for label in real_order if label in labels]
        assert {"Estimated Retail Price", "Condition", "Accessories", "Measurements", "Designer", "Model",
                "Exterior Material", "Exterior Color", "Hardware Color", "Item Number"} <= set(labels)
        assert "<b>Estimated Retail Price:</b> $10,800<br>" in product["body_html"]
        assert product["body_html"].endswith(f"<b>Item Number:</b> {product['variants'][0]['sku']}</p>")
        assert re.search(r'<b>Measurements:</b> Handle Drop [^<]+", Height', product["body_html"])


def test_estimated_retail_only_when_the_listing_shows_it(rebag):
    product = products(rebag, "/products.json", [make_state(make_listing(0, show_retail=False))])[0]
    assert "Estimated Retail Price" not in product["body_html"]


def test_partner_items_only_say_brand_and_title(rebag):
    partner = next(n for n in range(5000) if chance(9_109_683_437_745 + n, "partner", 0.02))
    product = products(rebag, "/products.json", [make_state(make_listing(partner))])[0]
    assert product["body_html"] == "<p>Chanel - Classic Double Flap Bag Quilted Caviar Medium</p>"
    assert "bc-filter-Excellent" in product["tags"]  # the tag still carries the condition


def test_handle_grammar_matches_the_real_page(rebag, fixture_products):
    # real rule: the sku digits are glued to a trailing size, joined with '-' otherwise
    for real in fixture_products:
        digits = real["variants"][0]["sku"].replace("/", "")
        sized = any(t.startswith("meta-size-") for t in real["tags"])
        assert real["handle"].endswith(digits if sized else f"-{digits}")
    sized = products(rebag, "/products.json", [make_state(make_listing(0))])[0]
    assert sized["handle"] == "handbags-chanel-classic-double-flap-bag-quilted-caviar-medium4489363"
    unsized = products(create_replica("rebag", "USD"), "/products.json", [make_state(make_listing(0, size=None))])[0]
    assert unsized["handle"] == "handbags-chanel-classic-double-flap-bag-quilted-caviar-4489363"


def test_sold_but_visible_items_stay_with_available_false(rebag):
    states = [make_state(make_listing(0), available=False), make_state(make_listing(1))]
    served = products(rebag, "/collections/all-bags/products.json", states)
    assert [p["variants"][0]["available"] for p in served] == [False, True]


def test_structural_tag_families_are_the_real_ones(rebag, fixture_products):
    families = ("meta-model-", "meta-style-", "meta-size-", "exterior-color-", "interior-color-", "hardware-color-",
                "exterior-material-", "bc-filter-exterior-color-", "item-type-", "meta-color-")
    real = {f for p in fixture_products for t in p["tags"] for f in families if t.startswith(f)}
    served_products = products(rebag, "/products.json", mixed_catalogue())
    served = {f for p in served_products for t in p["tags"] for f in families if t.startswith(f)}
    assert served == real == set(families)


# ---- VSP -----------------------------------------------------------------------------------
@pytest.fixture
def vsp():
    return create_replica("vsp", "CAD")


def vsp_catalogue() -> list[ListingState]:
    return [
        make_state(make_listing(0, marketplace="vsp", sku="VSP-1"), price="12450.00"),
        make_state(make_listing(1, marketplace="vsp", sku="VSP-2", brand="Chanel", model="Tweed Jacket", size="M",
                                style="Tweed", material="Wool", category="Jackets", is_bag=False, hardware_color=None)),
        make_state(make_listing(2, marketplace="vsp", sku="VSP-3", brand="Van Cleef & Arpels", model="Vintage Alhambra Necklace",
                                size=None, style="18K Yellow Gold", material="Yellow Gold", category="Necklace", is_bag=False,
                                hardware_color=None)),
    ]


def test_vsp_products_have_house_vendor_and_brand_title(vsp):
    served = products(vsp, "/products.json", vsp_catalogue())
    assert {p["vendor"] for p in served} == {"VSP Archive"}
    assert served[0]["title"] == "Chanel // Black Caviar Medium Classic Double Flap Bag"
    assert all(" // " in p["title"] for p in served)
    assert [p["product_type"] for p in served] == ["Handbags", "Clothing", "Jewellery"]


def test_vsp_has_no_colour_option_and_condition_only_in_words(vsp):
    states = [make_state(make_listing(n, marketplace="vsp", sku=f"VSP-{n}", condition=c))
              for n, c in enumerate(["NEW", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR"] * 4)]
    served = products(vsp, "/products.json", states)
    assert all(p["options"] == [{"name": "Title", "position": 1, "values": ["Default Title"]}] for p in served)
    assert all(p["variants"][0]["option2"] is None for p in served)
    bodies = [p["body_html"] for p in served]
    assert any("Condition: Excellent." in b for b in bodies)
    assert any("Gently used" in b for b in bodies)
    assert not any(t.startswith(("bc-filter", "condition")) for p in served for t in p["tags"])


def test_vsp_collections_and_localised_urls(vsp):
    states = vsp_catalogue()
    bags = crawl_all(vsp, "/collections/handbags/products.json", states)
    assert [p["product_type"] for p in bags] == ["Handbags"]
    assert json.loads(call(vsp, "/collections/all.json", states).body)["collection"]["products_count"] == 3
    handle = bags[0]["handle"]
    localised = json.loads(call(vsp, f"/en-us/products/{handle}.json", states).body)["product"]
    assert localised["variants"][0]["price_currency"] == "CAD"
    assert localised["variants"][0]["price"] == "12450.00"
    page = call(vsp, f"/en-us/products/{handle}", states)
    assert page.status == 200 and b"Classic Double Flap Bag" in page.body
    redirect = call(vsp, f"/products/{handle}", states)
    assert redirect.status == 301 and redirect.headers["Location"].endswith(f"/en-us/products/{handle}")
    assert len(products(vsp, "/en-us/collections/handbags/products.json", states)) == 1


# ---- config stores ---------------------------------------------------------------------------
def test_stores_yaml_has_the_three_stores():
    options = load_store_options()
    assert set(options) >= {"dct", "treasures", "madison"}
    assert options["treasures"].bag_collections == ["handbags-1"]


def test_madison_writes_the_brand_in_the_title_under_a_house_vendor():
    madison = create_replica("madison", "USD")
    listing = make_listing(0, marketplace="madison", sku="MAD-1", brand="Hermès", model="Birkin", size="25",
                           color="Rose Extreme", style="Epsom", material="Epsom Leather", hardware_color="Palladium",
                           category="Top handle")
    product = products(madison, "/collections/handbags/products.json", [make_state(listing)])[0]
    assert product["title"] == "Hermès Birkin 25 Rose Extreme Epsom Palladium Hardware"
    assert product["vendor"] == "Madison Avenue Couture"
    assert "<li>Condition: Pre-Owned: Excellent</li>" in product["body_html"]


def test_treasures_bags_are_in_handbags_1_with_details_in_tags():
    treasures = create_replica("treasures", "USD")
    states = [make_state(make_listing(0, marketplace="treasures", sku="TRE-1")),
              make_state(make_listing(1, marketplace="treasures", sku="TRE-2", **WALLET))]
    bags = crawl_all(treasures, "/collections/handbags-1/products.json", states)
    assert len(bags) == 1 and bags[0]["vendor"] == "Chanel"
    assert {"condition:Excellent", "color:Black", "size:Medium", "material:Caviar Leather"} <= set(bags[0]["tags"])
    assert "Condition" not in bags[0]["body_html"]


def test_dct_writes_details_as_body_labels():
    dct = create_replica("dct", "USD")
    state = make_state(make_listing(0, marketplace="dct", sku="DCT-1", condition="GOOD"))
    product = products(dct, "/collections/bags/products.json", [state])[0]
    assert product["title"].startswith("Chanel Classic Flap")
    assert "<li>Condition: Rank AB (Good)</li>" in product["body_html"]
    assert "<li>Size: Medium</li>" in product["body_html"]


def test_a_fourth_store_is_options_only():
    options = StoreOptions(key="lovethatbag", name="Love That Bag", currency="CAD", title="{brand} {model} {color} {size}",
                           bag_collections=["bags", "all-handbags"], vendor="Love That Bag", details_in="tags",
                           condition_words={"NEW": "Brand New", "EXCELLENT": "Like New", "VERY_GOOD": "Gently Loved",
                                            "GOOD": "Loved", "FAIR": "Well Loved"})
    register_store(options)
    try:
        store = create_replica("lovethatbag", "CAD")
        states = [make_state(make_listing(n, marketplace="lovethatbag", sku=f"LTB-{n}")) for n in range(3)]
        bags = crawl_all(store, "/collections/all-handbags/products.json", states)
        assert next(p["title"] for p in bags) == "Chanel Classic Flap Black Medium"
        assert {p["vendor"] for p in bags} == {"Love That Bag"}
        assert "condition:Like New" in bags[0]["tags"]
        single = json.loads(call(store, f"/products/{bags[0]['handle']}.json", states).body)["product"]
        assert single["variants"][0]["price_currency"] == "CAD"
    finally:
        STORE_OPTIONS.pop("lovethatbag", None)


def test_store_options_reject_unknown_title_fields():
    with pytest.raises(ValueError, match="unknown title field"):
        StoreOptions(key="x", name="X", title="{brand} {colour}")


# ---- the real market ---------------------------------------------------------------------------
def test_rebag_serves_every_visible_listing_of_the_real_market():
    from sandbox.market import Market

    market = Market(seed=3, start_date=date(2026, 8, 1), scale=0.1)
    market.advance_to(date(2026, 8, 2))
    states = market.visible("rebag", date(2026, 8, 2))
    replica = create_replica("rebag", "USD")
    served = crawl_all(replica, "/products.json", states)
    assert len(served) == len(states)
    bags = json.loads(call(replica, "/collections/all-bags.json", states, day=date(2026, 8, 2)).body)["collection"]
    assert bags["products_count"] == sum(s.listing.is_bag for s in states)
    assert len({p["handle"] for p in served}) == len(served)  # handles are unique


def test_a_day_is_rendered_once_and_reused(rebag):
    states = many_states(10)
    calls = []

    def load():
        calls.append(1)
        return states

    for page in (1, 2, 3):
        rebag.respond(SandboxRequest("/products.json", {"limit": ["5"], "page": [str(page)]}, {}, DAY, load))
    assert len(calls) == 1


def test_sitemap_lists_every_product_url(rebag):
    states = mixed_catalogue()
    index = call(rebag, "/sitemap.xml", states).body.decode()
    assert "http://127.0.0.1:8000/sitemap_products_1.xml" in index
    urls = re.findall(r"<loc>([^<]+)</loc>", call(rebag, "/sitemap_products_1.xml", states).body.decode())
    handles = [p["handle"] for p in crawl_all(rebag, "/products.json", states)]
    assert urls == [f"http://127.0.0.1:8000/products/{h}" for h in handles]
    assert call(rebag, "/sitemap_products_2.xml", states).status == 404


def test_yaml_market_blocks_are_valid_market_profiles():
    from sandbox.market import Market, MarketplaceProfile
    from sandbox.replicas.stores import market_profile_fields

    market = Market(seed=1, start_date=DAY, scale=0.1, profiles={})
    for options in load_store_options().values():
        market.add_profile(MarketplaceProfile(**market_profile_fields(options)))
    assert set(market.profiles) == {"dct", "treasures", "madison"}
    assert all(market.visible(key) for key in market.profiles)
