"""marts.dim_listing (and its intermediates) on hand-made snapshots with expected rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.test_models_support import listing, query, table_rows, transform, write_day, write_fx_rates

D = [date(2026, 9, 1) + timedelta(days=i) for i in range(8)]  # D[0] .. D[7]
INCOMPLETE_DAY = D[4]  # rebag's snapshot of D[4] is incomplete


def rebag(listing_id, title, price, **kw):
    return listing(listing_id, title, price, brand="Chanel", condition_raw="Excellent", **kw)


# listing id -> days seen (index into D) -> (price, available)
REBAG_HISTORY = {
    # observed sale: shown unavailable on D3 and D4, then gone; marked down on D1
    "A": {0: (1000, True), 1: (900, True), 2: (900, True), 3: (900, False), 4: (900, False)},
    # inferred sale: gone from D3 on (all complete)
    "B": {0: (2000, True), 1: (2000, True), 2: (2000, True)},
    # missing only on the incomplete day: still active, not a relist
    "C": dict.fromkeys((0, 1, 2, 3, 5, 6, 7), (3000, True)),
    # gone on D6 and D7: exactly the grace period of 2 complete snapshots -> sold on D6
    "D": dict.fromkeys(range(6), (4000, True)),
    # gone on D7 only: not yet a sale
    "E": dict.fromkeys(range(7), (5000, True)),
    # gone on D2, D3 (complete), back from D5: a relist, active
    "F": {0: (6000, True), 1: (6000, True), 5: (5500, True), 6: (5500, True), 7: (5500, True)},
    # last seen D3, the next day is incomplete: sold, dated on the first complete day after (D5)
    "H": dict.fromkeys(range(4), (7000, True)),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dim_listing")
    lake = data_dir / "lake"
    published = D[0] - timedelta(days=10)
    for index, day in enumerate(D):
        items = []
        for listing_id, history in REBAG_HISTORY.items():
            if index in history:
                price, available = history[index]
                items.append(rebag(listing_id, "Classic Double Flap Bag Quilted Caviar Medium", price,
                                   available=available, published=published if listing_id == "A" else None,
                                   size_raw="Medium", retail=10000))
        write_day(lake, "rebag", day, items, complete=day != INCOMPLETE_DAY)

        # fashionphile flags every sale: P disappears -> withdrawn; Q shown sold on D2 -> observed
        fp = [listing("T", "Togo 25 Birkin Gold", 15000, brand="Hermes")]  # on sale throughout
        if index <= 2:
            fp.append(listing("P", "Caviar Quilted Medium Double Flap Black", 8000, brand="Chanel"))
        if index <= 3:
            fp.append(listing("Q", "Monogram Canvas MM Neverfull Brown", 1500, brand="Louis Vuitton",
                              available=index < 2, condition_raw="Shows Wear"))
        write_day(lake, "fashionphile", day, fp)

        # vsp infers sales; R was listed 200 days ago (past the 180-day consignment): withdrawn
        vsp = []
        if index <= 1:
            vsp.append(listing("R", "Hermès // Black Togo 30 Birkin Bag", 20000, brand="VSP Archive",
                               published=D[0] - timedelta(days=200)))
        vsp.append(listing("S", "Chanel // Black Caviar Medium Classic Double Flap Bag", 13700, brand="VSP Archive",
                           published=D[0]))
        write_day(lake, "vsp", day, vsp)
    write_fx_rates(lake, D[0] - timedelta(days=7), D[-1])
    transform(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def dim(warehouse):
    return {row["listing_key"]: row for row in query(warehouse, "select * from marts.dim_listing")}


def test_observed_sale_is_dated_the_day_after_the_last_available_sighting(dim):
    a = dim["rebag:A"]
    assert (a["status"], a["sale_date"], a["sale_evidence"], a["status_rule"]) == ("sold", D[3], "observed", "shown_as_sold")
    assert a["listed_date"] == D[0] - timedelta(days=10)  # published date, before the first crawl
    assert a["days_to_sell"] == 13
    assert (a["first_price_usd"], a["last_price_usd"], a["markdown_count"]) == (1000, 900, 1)
    assert a["retail_price_usd"] == 10000 and a["value_retention"] == 0.09


def test_inferred_sale_after_two_complete_snapshots_of_absence(dim):
    b = dim["rebag:B"]
    assert (b["status"], b["sale_date"], b["sale_evidence"], b["status_rule"]) == (
        "sold", D[3], "inferred", "absent_2_complete_snapshots")
    assert b["listed_date"] == D[0] and b["days_to_sell"] == 3
    d = dim["rebag:D"]
    assert (d["status"], d["sale_date"], d["days_to_sell"]) == ("sold", D[6], 6)


def test_grace_period_not_yet_over_keeps_the_listing_active(dim):
    e = dim["rebag:E"]
    assert (e["status"], e["sale_date"], e["days_to_sell"], e["last_seen_date"]) == ("active", None, None, D[6])


def test_incomplete_snapshot_is_no_absence_and_never_dates_a_sale(dim):
    c = dim["rebag:C"]
    assert (c["status"], c["relist_count"]) == ("active", 0)
    h = dim["rebag:H"]
    assert (h["status"], h["sale_date"]) == ("sold", D[5])
    assert all(row["sale_date"] != INCOMPLETE_DAY for row in dim.values())


def test_returning_listing_is_a_relist_not_a_sale(dim):
    f = dim["rebag:F"]
    assert (f["status"], f["relist_count"], f["sale_date"]) == ("active", 1, None)
    assert f["markdown_count"] == 0  # the relist's new price is not a markdown within an episode
    assert f["last_price_usd"] == 5500


def test_withdrawal_rules(dim):
    p = dim["fashionphile:P"]
    assert (p["status"], p["withdrawn_date"], p["sale_date"], p["status_rule"]) == (
        "withdrawn", D[3], None, "gone_without_sold_flag")
    q = dim["fashionphile:Q"]
    assert (q["status"], q["sale_date"], q["sale_evidence"], q["condition"]) == ("sold", D[2], "observed", "GOOD")
    r = dim["vsp:R"]
    assert (r["status"], r["status_rule"], r["withdrawn_date"]) == ("withdrawn", "consignment_expired", D[2])


def test_canonical_attributes_and_usd_prices(dim):
    for key in ("rebag:A", "fashionphile:P", "vsp:S"):
        row = dim[key]
        assert (row["brand"], row["model"], row["size"]) == ("Chanel", "Classic Flap", "Medium"), key
    assert dim["vsp:R"]["brand"] == "Hermès" and dim["vsp:R"]["model"] == "Birkin" and dim["vsp:R"]["size"] == "30"
    assert dim["fashionphile:Q"]["model"] == "Neverfull" and dim["fashionphile:Q"]["size"] == "MM"
    s = dim["vsp:S"]
    assert s["currency"] == "CAD" and 13700 / 1.40 < s["last_price_usd"] < 13700 / 1.35
    assert dim["fashionphile:P"]["color"] == "Black"


def test_one_row_per_listing_with_every_status_accounted_for(dim):
    assert len(dim) == len(REBAG_HISTORY) + 5
    assert {row["status"] for row in dim.values()} == {"active", "sold", "withdrawn"}


def test_snapshot_completeness_per_marketplace_day(warehouse):
    rows = query(warehouse, "select marketplace, snapshot_date, is_complete, incomplete_rule "
                            "from intermediate.int_marketplace_snapshots where not is_complete")
    assert rows == [{"marketplace": "rebag", "snapshot_date": INCOMPLETE_DAY, "is_complete": False,
                     "incomplete_rule": "manifest_incomplete"}]


def test_price_changes_and_daily_facts(warehouse):
    changes = query(warehouse, "select listing_key, change_date, old_price, new_price, change_pct, is_markdown, "
                               "is_at_relist from marts.fct_price_changes order by listing_key")
    assert changes == [
        {"listing_key": "rebag:A", "change_date": D[1], "old_price": 1000, "new_price": 900, "change_pct": -0.1,
         "is_markdown": True, "is_at_relist": False},
        {"listing_key": "rebag:F", "change_date": D[5], "old_price": 6000, "new_price": 5500, "change_pct": -0.0833,
         "is_markdown": True, "is_at_relist": True},
    ]
    daily = query(warehouse, "select count(*) as n, count_if(is_return) as returns from marts.fct_listing_daily")
    seen = sum(len(h) for h in REBAG_HISTORY.values()) + 3 + 4 + 8 + 2 + 8
    assert daily == [{"n": seen, "returns": 1}]


def test_day_by_day_equals_full_rebuild_and_rebuilds_are_identical(warehouse, tmp_path):
    tables = {
        "marts.dim_listing": "listing_key",
        "marts.fct_listing_daily": "listing_key, snapshot_date",
        "marts.fct_price_changes": "listing_key, change_date",
        "intermediate.int_listing_lifecycle": "listing_key, episode_number",
    }
    full = {t: table_rows(warehouse, t, o) for t, o in tables.items()}
    transform(warehouse)  # a second full rebuild
    assert {t: table_rows(warehouse, t, o) for t, o in tables.items()} == full

    daily_dir = tmp_path / "daily"
    (daily_dir).mkdir()
    (daily_dir / "lake").symlink_to(warehouse / "lake")
    for day in D:
        transform(daily_dir, start_date=day, end_date=day)
    assert {t: table_rows(daily_dir, t, o) for t, o in tables.items()} == full
