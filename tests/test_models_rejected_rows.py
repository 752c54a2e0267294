"""Rows breaking a row rule (issue 9, part 6): set aside in intermediate.int_listings_rejected,
counted per marketplace-day, left out of the marts, never read as an absence, a sale or a price;
a marketplace-day with too many of them stops the run."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.test_models_support import listing, query, transform, write_day, write_fx_rates
from transformations.audits import AuditFailure

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Fashionphile's real search results (a captured page of 180), three of them priced 0
REAL_RESULTS = FIXTURES / "fashionphile" / "real-search-results.json"
D = [date(2026, 9, 1) + timedelta(days=i) for i in range(8)]


def real_fashionphile_items() -> list[dict]:
    return [
        listing(str(row["id"]), row["product_name"], row["price"], brand=row["brand_name"],
                condition_raw=row["condition"])
        for row in json.loads(REAL_RESULTS.read_text())
    ]


def fillers(marketplace: str, count: int) -> list[dict]:
    """Steady, well-formed listings, so a few bad rows stay under the rejected-share threshold."""
    return [listing(f"{marketplace}-fill-{i}", "Monogram Canvas Neverfull MM", 1500 + i, brand="Louis Vuitton")
            for i in range(count)]


# ------------------------------------------------- (a) a real listing at price 0 transforms


@pytest.fixture(scope="module")
def real_page(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rejected_real")
    items = real_fashionphile_items()
    for day in D[:2]:
        write_day(data_dir / "lake", "fashionphile", day, items)
    transform(data_dir)
    return data_dir


def test_real_fashionphile_listing_at_price_0_is_rejected_and_not_in_the_marts(real_page):
    zero = {str(row["id"]) for row in json.loads(REAL_RESULTS.read_text()) if row["price"] == 0}
    assert "12372438974767" in zero  # the Gucci GG Marmont of the capture, shown at 0
    rejected = query(real_page, "select * from intermediate.int_listings_rejected order by snapshot_date, listing_id")
    assert {(r["listing_id"], r["snapshot_date"]) for r in rejected} == {(i, d) for i in zero for d in D[:2]}
    gucci = next(r for r in rejected if r["listing_id"] == "12372438974767")
    assert gucci["rule"] == "price_not_positive" and gucci["price"] == 0
    assert gucci["listing_key"] == "fashionphile:12372438974767" and gucci["brand_raw"] == "Gucci"
    assert gucci["title"].startswith("Monogram Azalea Calfskin Matelasse") and gucci["snapshot_rows"] == 180

    dim = {r["listing_id"] for r in query(real_page, "select listing_id from marts.dim_listing")}
    assert len(dim) == 177 and not dim & zero
    for table in ("intermediate.int_listings_unioned", "marts.fct_listing_daily"):
        ids = {r["listing_id"] for r in query(real_page, f"select listing_id from {table}")}
        assert not ids & zero, table


def test_data_health_counts_rejected_rows_per_marketplace_day(real_page):
    health = query(real_page, "select * from marts.data_health_daily order by snapshot_date")
    assert [(h["marketplace"], h["snapshot_date"]) for h in health] == [("fashionphile", D[0]), ("fashionphile", D[1])]
    for h in health:
        assert (h["listings_seen"], h["rows_rejected"], h["rows_rejected_by_rule"]) == (177, 3, "price_not_positive 3")
        assert h["rejected_share"] == pytest.approx(3 / 180, abs=1e-4)
        assert h["max_rejected_share"] == 0.05 and h["is_complete"] and h["item_count"] == 180
    snapshots = query(real_page, "select rows_rejected, rejected_share from intermediate.int_marketplace_snapshots")
    assert [s["rows_rejected"] for s in snapshots] == [3, 3]


# ------------------------------------------------- (b) 30% bad rows stop the day


def test_a_day_with_30_percent_bad_rows_stops_with_a_clear_message(tmp_path):
    lake = tmp_path / "lake"
    good = [listing(f"G{i}", "Caviar Quilted Medium Double Flap Black", 5000 + i, brand="Chanel") for i in range(7)]
    write_day(lake, "rebag", D[0], good + [listing(f"H{i}", "Classic Flap", 6000, brand="Chanel") for i in range(3)])
    transform(tmp_path)
    tables = ["intermediate.int_listings_unioned", "intermediate.int_listings_rejected",
              "intermediate.int_marketplace_snapshots", "marts.dim_listing", "marts.data_health_daily"]
    before = {t: query(tmp_path, f"select * from {t} order by all") for t in tables}

    bad = [listing("B0", "Classic Flap", 0, brand="Chanel"), listing("B1", "Classic Flap", 0, brand="Chanel"),
           listing("B2", "", 4000)]  # no brand, no title
    write_day(lake, "rebag", D[1], good + bad)
    with pytest.raises(AuditFailure) as failure:
        transform(tmp_path, start_date=D[1], end_date=D[1])
    error = failure.value
    assert error.model == "intermediate.int_listings_rejected"
    assert error.audit == "custom:rejected_share_within_threshold" and error.bad_row_count == 1
    assert ("rebag 2026-09-02: 3 of 10 rows rejected (30.0%), above max_rejected_share 5.0%; "
            "top rules: price_not_positive 2, brand_missing 1") in str(error)
    sample = dict(zip(error.columns, error.sample_rows[0]))
    assert sample["marketplace"] == "rebag" and sample["snapshot_date"] == D[1]
    assert sample["rejected_share"] == pytest.approx(0.3) and sample["max_rejected_share"] == 0.05
    # nothing of the day was published: the warehouse is as it was
    assert {t: query(tmp_path, f"select * from {t} order by all") for t in tables} == before


# ------------------------------------------------- (c) a rejected day is a sighting, not an absence

# listing -> {day index: price}; price 0 is a rejected row; a missing day is a real absence
REBAG_HISTORY = {
    "M": {0: 1000, 1: 1000, 2: 0, 3: 0, 4: 1000, 5: 1000, 6: 1000, 7: 1000},  # 0 in the middle of its life
    "Z": {0: 2000, 1: 2000, 2: 2000, 3: 2000, 4: 0, 5: 0},  # 0 on its last two days, then gone
    "Y": {0: 3000, 1: 3000, 2: 3000, 3: 3000, 4: 3000, 5: 3000, 6: 0, 7: 0},  # 0 on the last days crawled
    "K": {0: 4000, 1: 4000, 2: 4000, 3: 4000, 4: 4000},  # a plain inferred sale: gone from D5
}


@pytest.fixture(scope="module")
def zero_days(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rejected_zero_days")
    for index, day in enumerate(D):
        items = fillers("rebag", 40)
        for listing_id, history in REBAG_HISTORY.items():
            if index in history:
                items.append(listing(listing_id, "Caviar Quilted Medium Double Flap Black", history[index],
                                     brand="Chanel"))
        write_day(data_dir / "lake", "rebag", day, items)
    transform(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def zero_dim(zero_days):
    return {r["listing_id"]: r for r in query(zero_days, "select * from marts.dim_listing where listing_id not like '%fill%'")}


def test_zero_price_days_in_the_middle_are_neither_a_sale_nor_a_relist_nor_a_price_change(zero_days, zero_dim):
    m = zero_dim["M"]
    assert (m["status"], m["sale_date"], m["relist_count"]) == ("active", None, 0)
    assert (m["markdown_count"], m["price_change_count"], m["last_price_usd"]) == (0, 0, 1000)
    days = query(zero_days, "select * from intermediate.int_listing_days where listing_id = 'M' order by snapshot_date")
    assert [d["snapshot_date"] for d in days] == [D[i] for i in (0, 1, 4, 5, 6, 7)]
    back = days[2]  # D4, after the two rejected days
    assert (back["is_return"], back["complete_snapshots_absent_before"], back["is_price_change"]) == (False, 0, False)
    assert (back["previous_seen_date"], back["previous_price"]) == (D[1], 1000)
    assert query(zero_days, "select * from marts.fct_price_changes where listing_id in ('M', 'Z', 'Y')") == []
    assert query(zero_days, "select min(price) as low from marts.fct_listing_daily")[0]["low"] > 0


def test_zero_price_last_days_then_gone_sell_only_from_the_real_absence(zero_days, zero_dim):
    z = zero_dim["Z"]  # priced to D3, rejected D4 and D5, gone D6 and D7 (grace 2 complete snapshots)
    assert (z["status"], z["sale_evidence"]) == ("sold", "inferred")
    assert z["sale_date"] == D[6]  # the first complete day without it, not D4
    assert z["sale_price_usd"] == 2000  # the last real price, never 0
    lifecycle = query(zero_days, "select * from intermediate.int_listing_lifecycle where listing_key = 'rebag:Z'")
    assert [(e["last_seen_date"], e["sightings"], e["end_rule"]) for e in lifecycle] == [
        (D[5], 4, "absent_2_complete_snapshots")]


def test_zero_price_on_the_last_days_crawled_is_still_on_sale(zero_dim):
    y = zero_dim["Y"]
    assert (y["status"], y["sale_date"], y["last_price_usd"]) == ("active", None, 3000)
    k = zero_dim["K"]  # the control: a real absence still sells, dated as before
    assert (k["status"], k["sale_date"]) == ("sold", D[5])


def test_daily_rebuild_gives_the_same_tables_as_a_full_build(zero_days, tmp_path):
    """The rejected rows and the sightings they make, built one day at a time as the daily flow does."""
    lake = tmp_path / "lake"
    lake.symlink_to(zero_days / "lake")
    for day in D:
        transform(tmp_path, start_date=day, end_date=day)
    for table, key in [("intermediate.int_listings_rejected", "snapshot_date, listing_id"),
                       ("intermediate.int_listing_days", "snapshot_date, listing_key"),
                       ("marts.dim_listing", "listing_key"), ("marts.data_health_daily", "snapshot_date")]:
        full = query(zero_days, f"select * from {table} order by {key}")
        daily = query(tmp_path, f"select * from {table} order by {key}")
        assert daily == full, table


# ------------------------------------------------- (d) each rule


@pytest.fixture(scope="module")
def each_rule(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("rejected_rules")
    lake = data_dir / "lake"
    bag = "Caviar Quilted Medium Double Flap Black"
    write_day(lake, "rebag", D[0], fillers("rebag", 200) + [
        listing("", bag, 1000, brand="Chanel"),                       # listing_id_missing
        listing(None, bag, 0, brand="Chanel", url=None),              # listing_id_missing before price
        {**listing("NOPRICE", bag, 1000, brand="Chanel"), "price": None},  # price_missing
        listing("ZERO", bag, 0, brand="Chanel"),                      # price_not_positive
        listing("NEG", bag, -5, brand="Chanel"),                      # price_not_positive
        listing("HUGE", bag, 2_000_000, brand="Chanel"),              # price_absurd (above 1,000,000 USD)
        listing("BIRKIN", "Himalaya Birkin 30", 450_000, brand="Hermes"),  # dear, not absurd
        listing("NOBRAND", "  ", 1000),                               # brand_missing
        listing("TITLEONLY", "Chanel Classic Flap", 1000),            # the brand is read from the title
        listing("NOCCY", bag, 1000, brand="Chanel", currency=None),   # currency_missing
    ])
    write_fx_rates(lake, D[0] - timedelta(days=7), D[0])  # vsp prices in CAD
    write_day(lake, "vsp", D[0], fillers("vsp", 40) + [
        listing("CAD-OK", bag, 1_300_000, brand="Chanel"),            # under vsp's 1,400,000 CAD
        listing("CAD-HUGE", bag, 1_500_000, brand="Chanel"),          # price_absurd in CAD
    ])
    write_day(lake, "vintagevault", D[0], fillers("vintagevault", 40) + [  # a store the seeds do not list
        listing("VV-HUGE", bag, 1_200_000, brand="Chanel"),           # price_absurd by the '*' default
    ])
    transform(data_dir)
    return data_dir


def test_each_row_rule_rejects_its_row(each_rule):
    rejected = query(each_rule, "select marketplace, listing_id, rule from intermediate.int_listings_rejected")
    assert sorted((r["marketplace"], r["listing_id"] or "", r["rule"]) for r in rejected) == sorted([
        ("rebag", "", "listing_id_missing"),
        ("rebag", "", "listing_id_missing"),
        ("rebag", "NOPRICE", "price_missing"),
        ("rebag", "ZERO", "price_not_positive"),
        ("rebag", "NEG", "price_not_positive"),
        ("rebag", "HUGE", "price_absurd"),
        ("rebag", "NOBRAND", "brand_missing"),
        ("rebag", "NOCCY", "currency_missing"),
        ("vsp", "CAD-HUGE", "price_absurd"),
        ("vintagevault", "VV-HUGE", "price_absurd"),
    ])
    kept = {r["listing_id"] for r in query(each_rule, "select listing_id from intermediate.int_listings_unioned")}
    assert {"BIRKIN", "TITLEONLY", "CAD-OK"} <= kept
    assert not kept & {"NOPRICE", "ZERO", "NEG", "HUGE", "NOBRAND", "NOCCY", "CAD-HUGE", "VV-HUGE", ""}
    no_id = query(each_rule, "select listing_key from intermediate.int_listings_rejected where rule = 'listing_id_missing'")
    assert [r["listing_key"] for r in no_id] == [None, None]  # never a sighting of some listing


def test_rejected_counts_by_rule_per_marketplace(each_rule):
    health = {h["marketplace"]: h for h in query(each_rule, "select * from marts.data_health_daily")}
    assert health["rebag"]["rows_rejected"] == 8 and health["rebag"]["listings_seen"] == 202
    assert health["rebag"]["rows_rejected_by_rule"] == (
        "listing_id_missing 2, price_not_positive 2, brand_missing 1, currency_missing 1, price_absurd 1, price_missing 1")
    assert (health["vsp"]["rows_rejected"], health["vintagevault"]["rows_rejected"]) == (1, 1)
    assert health["vintagevault"]["rejected_share"] == pytest.approx(1 / 41, abs=1e-4)


# --------------------------- (e) a rejected sighting keeps what is not about price: dates, the sold flag

@pytest.fixture(scope="module")
def fashionphile_zero_days(tmp_path_factory):
    """Fashionphile shows its sales (a sold badge). P: first seen at price 0 with the site's published
    date (the product JSON is fetched once, for a listing new to the lake), priced after, shown sold
    on D5. Q: priced D0-D2, at price 0 but for sale on D3, shown sold on D4."""
    data_dir = tmp_path_factory.mktemp("rejected_fashionphile")
    published = D[0] - timedelta(days=10)
    for index, day in enumerate(D[:6]):
        items = fillers("fashionphile", 40)
        if index == 0:
            items.append(listing("P", "Monogram Canvas Speedy 30", 0, brand="Louis Vuitton", published=published))
        elif index < 5:
            items.append(listing("P", "Monogram Canvas Speedy 30", 900, brand="Louis Vuitton"))
        else:
            items.append(listing("P", "Monogram Canvas Speedy 30", 900, brand="Louis Vuitton", available=False))
        if index <= 2:
            items.append(listing("Q", "Caviar Quilted Medium Double Flap Black", 8000, brand="Chanel"))
        elif index == 3:
            items.append(listing("Q", "Caviar Quilted Medium Double Flap Black", 0, brand="Chanel"))
        elif index == 4:
            items.append(listing("Q", "Caviar Quilted Medium Double Flap Black", 8000, brand="Chanel", available=False))
        write_day(data_dir / "lake", "fashionphile", day, items)
    transform(data_dir)
    return {r["listing_id"]: r for r in query(data_dir, "select * from marts.dim_listing where listing_id in ('P', 'Q')")}


def test_a_first_sighting_at_price_0_keeps_the_sites_published_date(fashionphile_zero_days):
    p = fashionphile_zero_days["P"]
    assert p["listed_date"] == D[0] - timedelta(days=10)  # the published date only the rejected row had
    assert (p["status"], p["sale_evidence"], p["sale_date"]) == ("sold", "observed", D[5])
    assert p["days_to_sell"] == (D[5] - (D[0] - timedelta(days=10))).days


def test_a_sold_flag_after_a_day_at_price_0_dates_the_sale_after_that_day(fashionphile_zero_days):
    q = fashionphile_zero_days["Q"]
    assert (q["status"], q["sale_evidence"]) == ("sold", "observed")
    assert q["sale_date"] == D[4]  # D3 showed it for sale (at price 0): not sold on D3
    assert q["sale_price_usd"] == 8000
