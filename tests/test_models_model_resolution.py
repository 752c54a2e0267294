"""Which model a listing gets (docs/market-model.md, "Which model"), rule by rule, on small lakes,
and the analyst's loop: an alias added to the seeds reclassifies the history on the next run."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from radar.settings import RadarSettings
from tests.test_alerts import slack  # noqa: F401  (the local Slack receiver fixture)
from tests.test_models_support import listing, query, transform, write_day
from transformations.catalogue import build_catalogue
from transformations.sources import SEEDS_DIR

DAY = date(2026, 9, 1)
HEALTH = ["+marts.dim_listing", "+marts.data_health_daily"]


def resolve(tmp_path: Path, rows: dict[str, list[dict]], **kwargs) -> dict[str, dict]:
    for marketplace, items in rows.items():
        write_day(tmp_path / "lake", marketplace, DAY, items)
    transform(tmp_path, select=kwargs.pop("select", ["+marts.dim_listing"]), **kwargs)
    found = query(tmp_path, "select listing_key, title, brand, model, model_key, model_source from marts.dim_listing")
    return {row["listing_key"]: row for row in found}


def test_the_sites_model_field_is_the_evidence_not_the_title(tmp_path):
    """Rebag's meta-model tag names an Ava in Triomphe canvas: the alias Triomphe is in the
    title, but the site's field decides; a model the seeds do not know keeps the site's name."""
    got = resolve(tmp_path, {"rebag": [
        listing("1", "Ava Bag Triomphe Canvas", 1800, brand="Celine", model_raw="Ava Bag"),
        listing("2", "Triomphe East-West Shoulder Bag Smooth Calfskin", 2900, brand="Celine",
                model_raw="Triomphe East-West Shoulder Bag"),
        listing("3", "Folco Bag Triomphe Canvas Small", 1500, brand="Celine", model_raw="Folco Bag"),
        listing("4", "Vintage Lodge Bag Monogram Canvas GM", 900, brand="Louis Vuitton", model_raw="Vintage Lodge Bag"),
    ]})
    assert (got["rebag:1"]["model"], got["rebag:1"]["model_source"]) == ("Ava", "site_alias")
    assert (got["rebag:2"]["model"], got["rebag:2"]["model_source"]) == ("Triomphe", "site_alias")
    assert (got["rebag:3"]["model"], got["rebag:3"]["model_key"]) == ("Folco", "celine/folco")
    assert (got["rebag:4"]["model"], got["rebag:4"]["model_key"]) == ("Lodge", "louis-vuitton/lodge")


def test_a_model_raw_that_is_only_the_title_is_not_a_site_field(tmp_path):
    title = "Monogram Canvas Speedy 30"
    got = resolve(tmp_path, {"rebag": [listing("1", title, 900, brand="Louis Vuitton", model_raw=title)]})
    assert (got["rebag:1"]["model"], got["rebag:1"]["model_source"]) == ("Speedy", "title_alias")


def test_a_canvas_name_in_a_title_is_not_a_model(tmp_path):
    got = resolve(tmp_path, {"fashionphile": [
        listing("1", "Triomphe Canvas Calfskin Small Ava Bag Tan", 1500, brand="Celine"),
        listing("2", "Shiny Calfskin Teen Triomphe Shoulder Bag Black", 2500, brand="Celine"),
        listing("3", "Triomphe Canvas Claude Shoulder Bag Tan", 1200, brand="Celine"),
    ]})
    assert got["fashionphile:1"]["model"] == "Ava"
    assert got["fashionphile:2"]["model"] == "Triomphe"
    assert (got["fashionphile:3"]["model"], got["fashionphile:3"]["model_source"]) == ("Claude", "title_fragment")


def test_accessories_named_after_a_model_are_not_its_bags(tmp_path):
    got = resolve(tmp_path, {"fashionphile": [
        listing("1", "Empreinte Monogram Giant Neverfull MM Pochette Black Beige", 600, brand="Louis Vuitton"),
        listing("2", "Monogram Speedy Bandouliere 20 Shoulder Strap Beige", 450, brand="Louis Vuitton"),
        listing("3", "Empreinte Monogram Giant Neverfull MM Black", 1900, brand="Louis Vuitton"),
        listing("4", "Calfskin Saddle Bag with Strap Blue", 3100, brand="Christian Dior"),
        listing("5", "Caviar Quilted Mini Polly Pocket Pouch Hobo Black", 2100, brand="Chanel"),
    ]})
    assert got["fashionphile:1"]["model"] == "Neverfull Pochette"
    assert got["fashionphile:2"]["model"] == "Speedy Bandouliere Strap"
    assert got["fashionphile:3"]["model"] == "Neverfull"
    assert got["fashionphile:4"]["model"] == "Saddle"  # "with strap" is the bag's own strap
    assert got["fashionphile:1"]["model_key"] != got["fashionphile:3"]["model_key"]


def test_sub_lines_that_trade_differently_stay_apart(tmp_path):
    got = resolve(tmp_path, {"fashionphile": [
        listing("1", "Monogram Lobster Clasp Jackie O Hobo Brown", 700, brand="Gucci"),
        listing("2", "Calfskin Small Jackie 1961 Hobo Black", 2300, brand="Gucci"),
    ]})
    assert (got["fashionphile:1"]["model"], got["fashionphile:2"]["model"]) == ("Jackie O", "Jackie 1961")


def test_a_title_fragment_drops_material_colour_size_and_shape(tmp_path):
    got = resolve(tmp_path, {"fashionphile": [
        listing("1", "Damier Ebene Odeon PM Black", 1300, brand="Louis Vuitton"),
        listing("2", "Soft Grained Calfskin Small Sangle Bucket Bag Amazone", 1400, brand="Celine"),
        listing("3", "Tessuto Nylon Saffiano Tote Beige", 600, brand="Prada"),
    ]})
    assert (got["fashionphile:1"]["model"], got["fashionphile:1"]["model_source"]) == ("Odeon", "title_fragment")
    assert got["fashionphile:2"]["model"] == "Sangle"
    assert got["fashionphile:3"]["model"] is None  # a material and a shape name no model
    assert got["fashionphile:3"]["model_source"] is None


def test_one_key_per_model_across_sites(tmp_path):
    """The same model found through Rebag's tag and through Fashionphile's and a store's titles."""
    got = resolve(tmp_path, {
        "rebag": [listing("1", "Sangle Bucket Bag Grained Calfskin Small", 1500, brand="Celine", model_raw="Sangle Bucket Bag")],
        "fashionphile": [listing("2", "Grained Calfskin Small Sangle Bucket Bag Black", 1450, brand="Celine")],
        "madison": [listing("3", "Celine Sangle Bucket Bag Small Black Calfskin", 1600, brand="Celine")],
    })
    keys = {row["model_key"] for row in got.values()}
    assert keys == {"celine/sangle"}


def test_an_alias_added_to_the_seeds_reclassifies_the_history_on_the_next_daily_run(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    days = [date(2026, 9, 1), date(2026, 9, 2), date(2026, 9, 3)]
    item = listing("1", "Empreinte Sully PM Scarlet", 2100, brand="Louis Vuitton")
    for day in days:
        write_day(tmp_path / "lake", "fashionphile", day, [item])
    transform(tmp_path, seeds_dir=seeds)  # the first build
    for day in days:  # daily runs
        transform(tmp_path, start_date=day, end_date=day, seeds_dir=seeds)
    before = query(tmp_path, "select distinct model, model_source from intermediate.int_listings_unioned")
    assert before == [{"model": "Sully", "model_source": "title_fragment"}]

    with (seeds / "model_aliases.csv").open("a", encoding="utf-8") as handle:
        handle.write("Louis Vuitton,Sully,sully\n")
    transform(tmp_path, start_date=days[-1], end_date=days[-1], seeds_dir=seeds)  # the next daily run

    after = query(tmp_path, "select snapshot_date, model_source from intermediate.int_listings_unioned order by 1")
    assert [row["model_source"] for row in after] == ["title_alias"] * 3
    assert [row["snapshot_date"] for row in after] == days


def test_an_unchanged_seed_rebuilds_nothing_but_the_day(tmp_path):
    day = date(2026, 9, 1)
    write_day(tmp_path / "lake", "rebag", day, [listing("1", "Speedy Handbag Monogram Canvas 25", 900, brand="Louis Vuitton")])
    transform(tmp_path)
    result = transform(tmp_path, start_date=day, end_date=day)
    unioned = next(run for run in result.models if run.name == "intermediate.int_listings_unioned")
    assert unioned.intervals == [(day, day)]


def test_catalogue_lists_what_the_seeds_do_not_cover_with_the_row_to_add(tmp_path):
    resolve(tmp_path, {"fashionphile": [
        listing("1", "Damier Ebene Odeon PM Black", 1300, brand="Louis Vuitton"),
        listing("2", "Monogram Odeon MM Brown", 1400, brand="Louis Vuitton"),
        listing("3", "Monogram Canvas Speedy 30 Brown", 900, brand="Louis Vuitton"),
        listing("4", "Monogram Neverful MM Brown", 1500, brand="Louis Vuitton"),
    ]})
    settings = RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(tmp_path / "warehouse.duckdb"))
    catalogue = build_catalogue(settings)
    assert (catalogue.bags, catalogue.seeded, catalogue.unmodelled) == (4, 1, 0)
    first = catalogue.entries[0]
    assert (first.model, first.listings, first.model_source) == ("Odeon", 2, "title_fragment")
    assert first.proposed_row == ("Louis Vuitton", "Odeon", "odeon")
    assert first.cumulative_seeded_share == pytest.approx(3 / 4)
    misspelt = next(entry for entry in catalogue.entries if entry.model.startswith("Neverful"))
    assert misspelt.matches and misspelt.matches[0].model == "Neverfull"
    assert misspelt.proposed_row[1] == "Neverfull"  # an alias of the known model, not a new one
    text = catalogue.to_text()
    assert "Louis Vuitton,Odeon,odeon" in text and "25.0% matched by a seed alias" in text
    written = catalogue.write_rows(tmp_path / "rows.csv")
    assert written == len(catalogue.entries)
    assert (tmp_path / "rows.csv").read_text().splitlines()[0] == "brand,model,alias"


def test_data_health_daily_holds_the_share_without_a_seed_alias_and_without_a_model(tmp_path):
    resolve(tmp_path, {
        "fashionphile": [
            listing("1", "Damier Ebene Speedy 30 Brown", 900, brand="Louis Vuitton"),  # seed alias
            listing("2", "Damier Ebene Odeon PM Black", 1300, brand="Louis Vuitton"),  # title fragment
            listing("3", "Tessuto Nylon Saffiano Tote Beige", 600, brand="Prada"),  # no model
            listing("4", "Caviar Quilted Medium Double Flap Black", 7000, brand="Chanel"),  # seed alias
        ],
        "rebag": [listing("5", "Speedy Handbag Monogram Canvas 25", 900, brand="Louis Vuitton", model_raw="Speedy Handbag")],
    }, select=HEALTH)
    rows = {row["marketplace"]: row for row in query(tmp_path, "select * from marts.data_health_daily")}
    fashionphile = rows["fashionphile"]
    assert (fashionphile["listings_without_seed_alias"], fashionphile["listings_without_model"]) == (2, 1)
    assert (fashionphile["share_without_seed_alias"], fashionphile["share_without_model"]) == (0.5, 0.25)
    assert (fashionphile["max_share_without_seed_alias"], fashionphile["max_share_without_model"]) == (0.40, 0.03)
    assert (rows["rebag"]["share_without_seed_alias"], rows["rebag"]["share_without_model"]) == (0.0, 0.0)


def test_the_daily_flow_warns_in_slack_when_too_many_bags_lack_a_model(tmp_path, monkeypatch, slack):
    from flows.daily import warn_on_model_coverage
    from radar.settings import get_settings

    resolve(tmp_path, {
        "fashionphile": [listing("1", "Tessuto Nylon Saffiano Tote Beige", 600, brand="Prada"),
                         listing("2", "Damier Ebene Speedy 30 Brown", 900, brand="Louis Vuitton")],
        "rebag": [listing("3", "Speedy Handbag Monogram Canvas 25", 900, brand="Louis Vuitton", model_raw="Speedy Handbag")],
    }, select=HEALTH)
    monkeypatch.setenv("RADAR_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(tmp_path / "warehouse.duckdb"))
    get_settings.cache_clear()
    assert warn_on_model_coverage.fn(DAY) == ["fashionphile"]
    assert len(slack.messages) == 1
    text = slack.messages[0]["text"]
    assert "fashionphile" in text and "50.0% without a model" in text and "radar catalogue" in text
    assert "rebag" not in text
    assert warn_on_model_coverage.fn(date(2026, 9, 2)) == []  # a day without data warns nothing
    assert len(slack.messages) == 1
