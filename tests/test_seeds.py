"""Reference data: well-formed seeds, and the normalisation they drive on real titles."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.test_models_support import listing, query, transform, write_day, write_fx_rates

SEEDS = Path(__file__).resolve().parents[1] / "transformations" / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FULL_PAGE = FIXTURES / "rebag" / "products-page-2026-08-15-all.json"  # the real page, images trimmed
NORMALISED = re.compile(r"[a-z0-9]+( [a-z0-9]+)*")
CONDITIONS = {"NEW", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR"}


def read(name: str) -> list[dict[str, str]]:
    with open(SEEDS / f"{name}.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "seed, alias_column, key",
    [
        ("brand_aliases", "alias", ("alias",)),
        ("model_aliases", "alias", ("brand", "alias")),
        ("model_sizes", "alias", ("brand", "model", "alias")),
        ("color_families", "alias", ("alias",)),
        ("material_families", "alias", ("alias",)),
        ("conditions", "condition_raw", ("marketplace", "condition_raw")),
    ],
)
def test_aliases_are_normalised_and_unique(seed, alias_column, key):
    rows = read(seed)
    assert rows
    bad = [row[alias_column] for row in rows if not NORMALISED.fullmatch(row[alias_column])]
    assert not bad, f"{seed}: aliases must be lower-case ascii words: {bad}"
    duplicates = [k for k, n in Counter(tuple(row[c] for c in key) for row in rows).items() if n > 1]
    assert not duplicates, f"{seed}: duplicate keys {duplicates}"


def test_brand_aliases_cover_the_spellings_of_the_market_model():
    brands = {row["alias"]: row["brand"] for row in read("brand_aliases")}
    pairs = [("hermes", "hermes"), ("christian dior", "dior"), ("chloe", "chloe"), ("ysl", "saint laurent"),
             ("yves saint laurent", "saint laurent"), ("valentino garavani", "valentino"),
             ("off white", "off white"), ("bvlgari", "bulgari"), ("celine", "celine")]
    for a, b in pairs:
        assert brands[a] == brands[b], (a, b)
    assert brands["hermes"] == "Hermès"


def test_model_dictionary_covers_the_iconic_models_of_the_issue():
    models = {(row["brand"], row["model"]) for row in read("model_aliases")}
    for brand, model in [
        ("Hermès", "Birkin"), ("Hermès", "Kelly"), ("Hermès", "Evelyne"), ("Hermès", "Constance"),
        ("Hermès", "Picotin Lock"), ("Chanel", "Classic Flap"), ("Chanel", "Boy"), ("Chanel", "2.55 Reissue"),
        ("Chanel", "Wallet on Chain"), ("Chanel", "19"), ("Louis Vuitton", "Neverfull"), ("Louis Vuitton", "Speedy"),
        ("Louis Vuitton", "Alma"), ("Louis Vuitton", "Pochette Metis"), ("Louis Vuitton", "Keepall"),
        ("Louis Vuitton", "OnTheGo"), ("Christian Dior", "Saddle"), ("Christian Dior", "Lady Dior"),
        ("Christian Dior", "Book Tote"), ("Gucci", "GG Marmont"), ("Gucci", "Jackie 1961"), ("Gucci", "Dionysus"),
        ("Gucci", "Horsebit 1955"), ("Celine", "Luggage"), ("Celine", "Triomphe"), ("Celine", "Belt"),
        ("Prada", "Re-Edition"), ("Prada", "Galleria"), ("Saint Laurent", "Loulou"), ("Saint Laurent", "Kate"),
        ("Goyard", "Saint Louis"), ("Bottega Veneta", "Jodie"), ("Bottega Veneta", "Cassette"),
        ("Fendi", "Baguette"), ("Fendi", "Peekaboo"),
    ]:
        assert (brand, model) in models, (brand, model)


def test_condition_scale_maps_every_marketplace_grade_to_the_common_scale():
    rows = read("conditions")
    assert {row["condition"] for row in rows} <= CONDITIONS
    scale = {(row["marketplace"], row["condition_raw"]): row["condition"] for row in rows}
    assert scale[("rebag", "pristine")] == "NEW" and scale[("rebag", "great")] == "VERY_GOOD"
    assert scale[("rebag", "outlet")] == "FAIR"
    assert scale[("fashionphile", "giftable")] == "NEW" and scale[("fashionphile", "shows wear")] == "GOOD"
    assert scale[("fashionphile", "worn")] == "FAIR"


def test_marketplace_rules_cover_every_marketplace():
    rules = {row["marketplace"]: row for row in read("marketplaces")}
    assert set(rules) == {"rebag", "vsp", "fashionphile", "dct", "treasures", "madison", "*"}
    assert rules["vsp"]["currency"] == "CAD"
    assert rules["fashionphile"]["unflagged_exit"] == "withdrawn"  # it flags every sale
    assert all(int(row["grace_days"]) >= 2 for row in rules.values())


def test_marketplace_default_row_covers_a_marketplace_not_listed():
    rows = read("marketplaces")
    defaults = [row for row in rows if row["marketplace"] == "*"]
    assert len(defaults) == 1, "exactly one '*' row: the SQL cross joins it"
    (row,) = defaults
    assert row["currency"] == ""  # the listing's own currency
    assert {k: row[k] for k in row if k not in ("marketplace", "currency")} == {
        "utc_offset_hours": "0", "sale_signal": "none", "unflagged_exit": "sold", "grace_days": "2",
        "consignment_days": "180", "min_count_ratio": "0.5", "max_price": "1000000", "max_rejected_share": "0.05",
        "max_share_without_seed_alias": "0.40", "max_share_without_model": "0.03",
    }


def test_generic_condition_scale_reads_every_config_store_wording():
    """A config store without rows of its own is graded by the '*' scale; every wording of the
    sandbox stores (sandbox/stores.yaml) maps to its grade, on its own rows or on '*'."""
    rows = read("conditions")
    stores = yaml.safe_load((Path(__file__).parents[1] / "sandbox" / "stores.yaml").read_text())["stores"]

    def grade(marketplace: str, wording: str) -> str | None:
        text = " " + re.sub(r"[^a-z0-9]+", " ", wording.lower()).strip() + " "
        found = [(row["marketplace"] == "*", -len(row["condition_raw"]), row["condition"]) for row in rows
                 if row["marketplace"] in (marketplace, "*") and f" {row['condition_raw']} " in text]
        return min(found)[2] if found else None

    for key, store in stores.items():
        for expected, wording in store["condition_words"].items():
            assert grade(key, wording) == expected, (key, wording)
            # a new store writing the same words: the generic scale alone
            if key != "dct":
                assert grade("lovethatbag", wording) == expected, wording
    for wording, expected in [("Pre-Owned: Very Good", "VERY_GOOD"), ("Like new", "EXCELLENT"), ("Unused", "NEW"),
                              ("Gently used", "VERY_GOOD"), ("Fair", "FAIR"), ("New with tags", "NEW")]:
        assert grade("lovethatbag", wording) == expected, wording


# ------------------------------------------------------------------ on real titles


@pytest.fixture(scope="module")
def rebag_page() -> dict:
    """The real Rebag page (250 products), kept in the project's fixtures."""
    return json.loads(FULL_PAGE.read_text())


@pytest.fixture(scope="module")
def normalised(rebag_page, tmp_path_factory):
    from crawlers.parsers.rebag import RebagProduct

    data_dir = tmp_path_factory.mktemp("normalisation")
    day = date(2026, 8, 15)
    items = []
    for product in rebag_page["products"]:
        parsed = RebagProduct(product, base_url="https://shop.rebag.com")
        if parsed.is_bag():
            items.append(dataclasses.asdict(parsed.to_item("rebag", day)))
    write_day(data_dir / "lake", "rebag", day, items)
    write_day(data_dir / "lake", "fashionphile", day, [
        listing("fp1", "Caviar Quilted Medium Double Flap Black", 9850, brand="Chanel", condition_raw="Excellent"),
        listing("fp2", "Monogram Multicolor Lodge GM Black", 900, brand="Louis Vuitton", condition_raw="Giftable"),
        listing("fp3", "Togo 30 Birkin Gold", 21000, brand="Hermes", condition_raw="Shows Wear"),
    ])
    write_day(data_dir / "lake", "vsp", day, [
        listing("v1", "Chanel // Black Caviar Medium Classic Double Flap Bag", 13700, brand="VSP Archive",
                condition_raw="Gently used with light wear to the corners."),
    ])
    write_day(data_dir / "lake", "madison", day, [
        listing("m1", "Hermès Birkin 25 Rose Extreme Epsom Palladium Hardware", 30000, brand="Hermès",
                condition_raw="New"),
        listing("m2", "Bottega Veneta Jodie Mini Brown Intrecciato Lambskin", 2900, brand="Bottega Veneta"),
        listing("m3", "Bottega Veneta Veneta Medium Black Intrecciato", 2100, brand="Bottega Veneta"),
    ])
    write_day(data_dir / "lake", "treasures", day, [
        listing("t1", "Bottega Veneta Black Lambskin Leather Jodie Teen", 2400),
    ])
    write_fx_rates(data_dir / "lake", day - timedelta(days=7), day)  # vsp's CAD price
    transform(data_dir, select=["+intermediate.int_listings_unioned"])
    return {row["listing_key"]: row for row in query(data_dir, "select * from intermediate.int_listings_unioned")}


def test_canonical_model_found_for_at_least_95_percent_of_real_rebag_bags(normalised):
    rebag = [row for row in normalised.values() if row["marketplace"] == "rebag"]
    assert len(rebag) >= 200
    with_model = [row for row in rebag if row["model"]]
    assert len(with_model) / len(rebag) >= 0.95, [row["title"] for row in rebag if not row["model"]]
    assert all(row["condition"] in CONDITIONS for row in rebag)
    assert sum(1 for row in rebag if row["color"]) / len(rebag) >= 0.95
    assert sum(1 for row in rebag if row["material"]) / len(rebag) >= 0.95


def test_one_bag_gets_the_same_brand_model_and_size_on_every_marketplace(normalised):
    rebag = [row for row in normalised.values()
             if row["title"] == "Classic Double Flap Bag Quilted Caviar Medium" and row["marketplace"] == "rebag"]
    assert rebag
    for row in rebag + [normalised["fashionphile:fp1"], normalised["vsp:v1"]]:
        assert (row["brand"], row["model"], row["size"]) == ("Chanel", "Classic Flap", "Medium"), row["title"]
        assert row["material"] == "Leather"
    assert normalised["fashionphile:fp1"]["color"] == "Black" and normalised["vsp:v1"]["color"] == "Black"


def test_word_order_brand_in_title_and_marketplace_grades(normalised):
    madison = normalised["madison:m1"]
    assert (madison["brand"], madison["model"], madison["size"], madison["color"], madison["condition"]) == (
        "Hermès", "Birkin", "25", "Pink", "NEW")  # "Palladium Hardware" is not the colour
    vsp = normalised["vsp:v1"]
    assert vsp["brand"] == "Chanel" and vsp["condition"] == "VERY_GOOD" and vsp["currency"] == "CAD"
    assert normalised["fashionphile:fp2"]["color"] == "Black"  # the colour is the last word
    assert normalised["fashionphile:fp2"]["size"] == "GM"
    assert normalised["fashionphile:fp2"]["condition"] == "NEW"
    fp3 = normalised["fashionphile:fp3"]
    assert (fp3["brand"], fp3["model"], fp3["size"], fp3["condition"]) == ("Hermès", "Birkin", "30", "GOOD")


def test_the_brand_opening_a_title_is_not_read_as_a_model(normalised):
    """Bottega Veneta makes a bag called the Veneta: the brand's own words must not name it."""
    assert (normalised["madison:m2"]["model"], normalised["madison:m2"]["size"]) == ("Jodie", "Mini")
    assert (normalised["treasures:t1"]["brand"], normalised["treasures:t1"]["model"]) == ("Bottega Veneta", "Jodie")
    assert normalised["madison:m3"]["model"] == "Veneta"  # named after the brand, it still is one


def test_rebag_sizes_come_from_the_meta_size_tag(normalised):
    by_title = {row["title"]: row for row in normalised.values() if row["marketplace"] == "rebag"}
    assert by_title["Neverfull Tote Damier MM"]["size"] == "MM"
    assert by_title["Neverfull Tote Damier MM"]["model"] == "Neverfull"
    assert by_title["Speedy Handbag Monogram Canvas 25"]["size"] == "25"
    assert by_title["Evelyne Bag Gen III Clemence GM"]["model"] == "Evelyne"
    assert by_title["Ultra Matte Lady Dior Chain Bag Cannage Quilt Calfskin Mini"]["brand"] == "Christian Dior"


def test_title_words_are_alias_words_of_known_kinds():
    rows = read("title_words")
    kinds = {"generic", "filler", "descriptor", "noun", "accessory"}
    assert {row["kind"] for row in rows} == kinds
    for row in rows:
        assert re.fullmatch(r"[a-z0-9]+( [a-z0-9]+)*", row["phrase"]), row
        assert bool(row["label"]) == (row["kind"] == "accessory"), row
    # the SQL builds one pattern per brand and kind from the '*' rows plus the brand's own:
    # every kind used in a pattern needs '*' rows, or a brand without rows of its own gets none
    assert {row["kind"] for row in rows if row["brand"] == "*"} == kinds
    assert len({(row["brand"], row["phrase"], row["kind"]) for row in rows}) == len(rows)
