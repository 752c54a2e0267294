"""A config store the SQL has never heard of (issue 3: "a config entry only, no new code").

The marketplace key "lovethatbag" is in no seed and no model: its listings reach the marts
through staging.stg_shopify_stores__listings, the '*' row of seeds.marketplaces (grace 2 days,
inferred sales, 180-day consignment, UTC) and the generic condition scale of seeds.conditions.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from radar.settings import RadarSettings
from tests.test_models_support import listing, query, table_rows, transform, write_day, write_fx_rates
from transformations.models import SQL_DIR, jinja_environment
from transformations.runner import render_for_trino

NEW_STORE = "lovethatbag"
SEEDS = Path(__file__).resolve().parents[1] / "transformations" / "seeds"
D = [date(2026, 9, 1) + timedelta(days=i) for i in range(6)]  # D[0] .. D[5], every snapshot complete


def store_item(listing_id, title, price, **kw):
    return listing(listing_id, title, price, currency="EUR", **kw)


# listing id -> (item, indexes of D it is seen on)
STORE = {
    # gone from D3 on: two complete snapshots of absence (D3, D4) -> an inferred sale on D3
    "L1": (store_item("L1", "Hermès Birkin 30 Gold Togo Gold Hardware", 15000, brand="HERMES",
                      condition_raw="Pre-Owned: Very Good", published=D[0] - timedelta(days=4)), range(3)),
    # gone on D5 only: the grace period is not over
    "L2": (store_item("L2", "Louis Vuitton Speedy 30 Monogram", 900, brand="Louis Vuitton",
                      condition_raw="Gently used"), range(5)),
    # brand only in the title, on sale throughout
    "L3": (store_item("L3", "Chanel Black Caviar Medium Classic Double Flap", 8000, condition_raw="Unused"),
           range(6)),
    # listed 200 days ago and gone: the default consignment period (180 days) makes it a withdrawal
    "L4": (store_item("L4", "Gucci GG Marmont Small Black", 1200, brand="Gucci",
                      published=D[0] - timedelta(days=200)), range(2)),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("config_store")
    lake = data_dir / "lake"
    for index, day in enumerate(D):
        items = [item for item, seen in STORE.values() if index in seen]
        # shown sold on D2 (the store keeps sold items visible for a day): an observed sale
        if index <= 2:
            items.append(store_item("L5", "Christian Dior Lady Dior Medium Black", 4000, brand="Dior",
                                    available=index < 2))
        write_day(lake, NEW_STORE, day, items)
        # a dedicated marketplace and a known config store share the run
        write_day(lake, "rebag", day, [listing("R1", "Classic Double Flap Bag Quilted Caviar Medium", 9000,
                                               brand="Chanel", condition_raw="Excellent")])
        write_day(lake, "dct", day, [listing("K1", "Fendi Baguette Zucca Brown", 700, brand="Fendi",
                                             condition_raw="Rank A (Excellent)")])
    write_fx_rates(lake, D[0] - timedelta(days=7), D[-1])  # EUR: 1.10 USD
    transform(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def dim(warehouse):
    return {row["listing_key"]: row for row in query(warehouse, "select * from marts.dim_listing")}


def test_the_store_is_in_no_seed():
    for seed in ("marketplaces", "conditions"):
        rows = list(csv.DictReader(open(SEEDS / f"{seed}.csv", encoding="utf-8")))
        assert NEW_STORE not in {row["marketplace"] for row in rows}


def test_config_stores_are_staged_by_one_model(warehouse):
    rows = query(warehouse, "select marketplace, count(*) as n from staging.stg_shopify_stores__listings "
                            "group by marketplace order by marketplace")
    assert rows == [{"marketplace": "dct", "n": 6}, {"marketplace": NEW_STORE, "n": 3 + 5 + 6 + 2 + 3}]
    assert query(warehouse, "select count(*) as n from staging.stg_rebag__listings") == [{"n": 6}]
    unioned = query(warehouse, "select marketplace, count(*) as n from intermediate.int_listings_unioned "
                               "group by marketplace order by marketplace")
    assert unioned == [{"marketplace": "dct", "n": 6}, {"marketplace": NEW_STORE, "n": 19},
                       {"marketplace": "rebag", "n": 6}]


def test_new_store_listings_reach_dim_listing_canonical(dim):
    store = {key: row for key, row in dim.items() if row["marketplace"] == NEW_STORE}
    assert set(store) == {f"{NEW_STORE}:L{i}" for i in range(1, 6)}
    canonical = {key.split(":")[1]: (row["brand"], row["model"], row["size"], row["condition"])
                 for key, row in store.items()}
    assert canonical == {
        "L1": ("Hermès", "Birkin", "30", "VERY_GOOD"),
        "L2": ("Louis Vuitton", "Speedy", "30", "VERY_GOOD"),
        "L3": ("Chanel", "Classic Flap", "Medium", "NEW"),
        "L4": ("Gucci", "GG Marmont", "Small", None),
        "L5": ("Christian Dior", "Lady Dior", "Medium", None),
    }
    assert dim[f"{NEW_STORE}:L1"]["color"] == "Gold"  # "Gold Hardware" names the hardware


def test_prices_keep_the_listings_own_currency(dim):
    l3 = dim[f"{NEW_STORE}:L3"]
    assert l3["currency"] == "EUR"
    assert l3["last_price_usd"] == 8000 * 1.10  # converted at the day's ECB rate (USD per EUR)


def test_inferred_sale_after_the_default_grace_period(dim):
    l1 = dim[f"{NEW_STORE}:L1"]
    assert (l1["status"], l1["sale_date"], l1["sale_evidence"], l1["status_rule"]) == (
        "sold", D[3], "inferred", "absent_2_complete_snapshots")
    assert l1["listed_date"] == D[0] - timedelta(days=4)  # published day at the default UTC offset
    assert l1["days_to_sell"] == 7
    assert l1["sale_price_usd"] == l1["last_price_usd"] > 15000
    l2 = dim[f"{NEW_STORE}:L2"]
    assert (l2["status"], l2["sale_date"], l2["last_seen_date"]) == ("active", None, D[4])
    assert dim[f"{NEW_STORE}:L3"]["status"] == "active"


def test_default_withdrawal_and_observed_sale_rules(dim):
    l4 = dim[f"{NEW_STORE}:L4"]
    assert (l4["status"], l4["status_rule"], l4["withdrawn_date"], l4["sale_date"]) == (
        "withdrawn", "consignment_expired", D[2], None)
    l5 = dim[f"{NEW_STORE}:L5"]
    assert (l5["status"], l5["sale_date"], l5["sale_evidence"], l5["status_rule"]) == (
        "sold", D[2], "observed", "shown_as_sold")


def test_known_stores_and_dedicated_marketplaces_are_unchanged(dim):
    assert dim["dct:K1"]["condition"] == "VERY_GOOD"  # dct's own rank scale before the generic one
    assert (dim["dct:K1"]["brand"], dim["dct:K1"]["model"], dim["dct:K1"]["status"]) == ("Fendi", "Baguette", "active")
    assert (dim["rebag:R1"]["model"], dim["rebag:R1"]["condition"]) == ("Classic Flap", "EXCELLENT")


def test_new_store_snapshots_and_kpis(warehouse):
    snapshots = query(warehouse, "select snapshot_date, is_complete from intermediate.int_marketplace_snapshots "
                                 f"where marketplace = '{NEW_STORE}' order by snapshot_date")
    assert snapshots == [{"snapshot_date": day, "is_complete": True} for day in D]
    sold = query(warehouse, "select sum(sold_count) as sold, sum(withdrawn_count) as withdrawn "
                            f"from marts.kpi_segment_weekly where marketplace = '{NEW_STORE}'")
    assert sold == [{"sold": 2, "withdrawn": 1}]


def test_day_by_day_equals_full_rebuild(warehouse, tmp_path):
    tables = {
        "staging.stg_shopify_stores__listings": "marketplace, listing_id, snapshot_date",
        "intermediate.int_listings_unioned": "listing_key, snapshot_date",
        "marts.dim_listing": "listing_key",
        "marts.fct_listing_daily": "listing_key, snapshot_date",
    }
    full = {t: table_rows(warehouse, t, o) for t, o in tables.items()}
    daily_dir = tmp_path / "daily"
    daily_dir.mkdir()
    (daily_dir / "lake").symlink_to(warehouse / "lake")
    for day in D:
        transform(daily_dir, start_date=day, end_date=day)
    assert {t: table_rows(daily_dir, t, o) for t, o in tables.items()} == full


def test_trino_sql_names_no_config_store(tmp_path):
    settings = RadarSettings(lake_url="s3://lake/radar", warehouse_path=str(tmp_path / "w.duckdb"))
    statements = render_for_trino(settings, start_date=D[0], end_date=D[0])
    (staging,) = [s for s in statements if s.startswith("create table iceberg.staging.stg_shopify_stores__listings__staged")]
    assert "NOT marketplace IN ('rebag', 'vsp', 'fashionphile')" in staging
    models = [s for s in statements if not s.startswith("insert into iceberg.seeds.")]  # seeds are data
    for store in ("dct", "treasures", "madison", NEW_STORE):
        assert not [s for s in models if f"'{store}'" in s], store
    assert not [s for s in statements if "stg_dct__listings" in s]


def test_dedicated_staging_models_are_exactly_the_macro_list():
    """A marketplace with its own staging model is excluded from the generic one, and only then:
    a staging model missing from the list would stage its listings twice, a listed key without
    a model would drop them."""
    staged = {path.name.removeprefix("stg_").removesuffix("__listings.sql")
              for path in (SQL_DIR / "staging").glob("stg_*__listings.sql")}
    assert staged == set(jinja_environment().globals["dedicated_staging_marketplaces"]) | {"shopify_stores"}
