"""The simulated market: determinism, steady state, lifecycle rules and ground truth."""

from __future__ import annotations

import itertools
import statistics
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pyarrow.parquet as pq
import pytest

from sandbox.catalogue import BAG_MODELS, NON_BAG_MODELS
from sandbox.ecb_feed import last_publication_day, quotes
from sandbox.market import DEFAULT_PROFILES, Market, MarketplaceProfile

START = date(2026, 9, 1)
DAYS = 30
SCALE = 0.1
END = START + timedelta(days=DAYS)


def state_key(state):
    return (state.listing, state.price, state.compare_at_price, state.available)


def days_between(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.fixture(scope="module")
def market() -> Market:
    market = Market(seed=11, start_date=START, scale=SCALE)
    market.advance_to(END)
    return market


@pytest.fixture(scope="module")
def truth(market, tmp_path_factory):
    truth_dir = tmp_path_factory.mktemp("truth")
    market.write_truth(truth_dir)
    return {name: pq.read_table(truth_dir / f"{name}.parquet").to_pylist()
            for name in ("listings", "episodes", "price_changes", "daily_supply", "fx_rates")}  # fmt: skip


# --- determinism ------------------------------------------------------------------------


def test_same_seed_gives_identical_visible_lists_and_truth(market, truth, tmp_path):
    twin = Market(seed=11, start_date=START, scale=SCALE)
    twin.advance_to(START + timedelta(days=10))  # a different stepping than the fixture
    twin.advance_to(END)
    for key in market.profiles:
        for day in (START, START + timedelta(days=17), END):
            assert [state_key(s) for s in twin.visible(key, day)] == [state_key(s) for s in market.visible(key, day)]
    twin.write_truth(tmp_path)
    assert pq.read_table(tmp_path / "listings.parquet").to_pylist() == truth["listings"]
    assert pq.read_table(tmp_path / "price_changes.parquet").to_pylist() == truth["price_changes"]


def test_other_seed_gives_another_market(market):
    other = Market(seed=12, start_date=START, scale=SCALE)
    assert [s.listing for s in other.visible("rebag")] != [s.listing for s in market.visible("rebag", START)]


def test_marketplace_history_does_not_depend_on_other_marketplaces(market):
    alone = Market(seed=11, start_date=START, scale=SCALE, profiles={"dct": DEFAULT_PROFILES["dct"]})
    alone.advance_to(END)
    assert [state_key(s) for s in alone.visible("dct")] == [state_key(s) for s in market.visible("dct", END)]


# --- the calendar -----------------------------------------------------------------------


def test_advance_to_backwards_raises(market):
    with pytest.raises(ValueError):
        market.advance_to(END - timedelta(days=1))


def test_visible_outside_simulated_days_raises(market):
    with pytest.raises(ValueError):
        market.visible("rebag", END + timedelta(days=1))
    with pytest.raises(ValueError):
        market.visible("rebag", START - timedelta(days=1))


def test_add_profile_after_advancing_raises(market):
    store = MarketplaceProfile("lovethatbag", "USD", 300, 0.1, 0.0, 0, 8_300_000_000_000)
    with pytest.raises(ValueError):
        market.add_profile(store)


def test_a_fourth_shopify_store_can_be_added():
    market = Market(seed=3, start_date=START, scale=SCALE, profiles={"rebag": DEFAULT_PROFILES["rebag"]})
    market.add_profile(MarketplaceProfile("lovethatbag", "USD", 300, 0.1, 0.0, 0, 8_300_000_000_000))
    market.advance_to(START + timedelta(days=3))
    states = market.visible("lovethatbag")
    assert len(states) == pytest.approx(30, rel=0.3)
    assert all(8_300_000_000_000 < s.listing.listing_id < 8_400_000_000_000 for s in states)
    assert {s.listing.marketplace for s in states} == {"lovethatbag"}


# --- what a crawl sees ------------------------------------------------------------------


def test_visible_is_newest_published_first(market):
    for key in market.profiles:
        states = market.visible(key, END)
        order = [(s.listing.published_at, s.listing.listing_id) for s in states]
        assert order == sorted(order, reverse=True)


def test_published_at_is_tz_aware_on_the_listed_date(market):
    for key in market.profiles:
        for state in market.visible(key, END):
            assert state.listing.published_at.utcoffset() is not None
            assert state.listing.published_at.date() == state.listing.listed_date


def test_start_stock_has_realistic_ages(market):
    ages = [(START - s.listing.listed_date).days for s in market.visible("rebag", START)]
    assert min(ages) == 0
    assert statistics.median(ages) >= 7  # not a market born on the first crawl
    assert max(ages) >= 90


def test_ids_look_like_shopify(market):
    states = market.visible("rebag", END)
    assert all(9e12 <= s.listing.listing_id < 1e13 for s in states)
    assert all(4e13 <= s.listing.variant_id < 6e13 for s in states)
    assert len({s.listing.listing_id for s in states}) == len(states)
    assert all(s.listing.sku.split("/")[0].isdigit() and s.listing.sku.count("/") == 1 for s in states)


def test_non_bags_are_mixed_in_at_the_profile_share(market):
    for key, profile in market.profiles.items():
        states = [s for s in market.visible(key, END) if s.available]
        non_bag_share = sum(not s.listing.is_bag for s in states) / len(states)
        assert non_bag_share == pytest.approx(profile.non_bag_share, abs=0.08), key


def test_show_retail_on_about_one_in_three(market):
    states = market.visible("rebag", END)
    assert 0.25 < sum(s.listing.show_retail for s in states) / len(states) < 0.42


def test_vsp_prices_are_in_cad(market):
    assert market.fx_rate("USD", END) == Decimal(1)
    cad = market.fx_rate("CAD", END)
    assert Decimal("1.2") < cad < Decimal("1.55")
    # Same catalogue, so CAD asks of like-for-like bags sit above the USD ones.
    def median_ratio(key):
        states = [s for s in market.visible(key, END) if s.listing.is_bag]
        return statistics.median(float(s.price) / s.listing.retail_price_usd for s in states)

    assert median_ratio("vsp") / median_ratio("rebag") == pytest.approx(float(cad), rel=0.2)


# --- supply and lifecycle ---------------------------------------------------------------


def test_supply_stays_near_steady_state(market):
    for key, profile in market.profiles.items():
        target = profile.live_listings * SCALE
        daily = [sum(s.available for s in market.visible(key, day)) for day in days_between(START, END)]
        assert statistics.mean(daily) == pytest.approx(target, rel=0.06), key
        # Day to day: intake noise only (small stores wobble more).
        tolerance = max(0.1, 2.5 / target**0.5)
        assert all(available == pytest.approx(target, rel=tolerance) for available in daily), key


def test_intake_is_lower_at_weekends(truth):
    intake = {}
    for row in truth["listings"]:
        intake.setdefault(row["listed_date"].weekday() >= 5, []).append(row)
    weekday_per_day = len(intake[False]) / 5
    weekend_per_day = len(intake[True]) / 2
    assert weekend_per_day < 0.9 * weekday_per_day


def test_about_one_in_ten_ended_listings_is_a_withdrawal(truth):
    reasons = [row["end_reason"] for row in truth["listings"] if row["end_reason"]]
    share = reasons.count("withdrawn") / len(reasons)
    assert 0.06 < share < 0.14


def test_withdrawn_listings_come_back_with_the_same_id(market, truth):
    relisted = [row for row in truth["listings"] if row["relist_count"] > 0]
    assert relisted
    episodes = {}
    for row in truth["episodes"]:
        episodes.setdefault((row["marketplace"], row["listing_id"]), []).append(row)
    for row in relisted:
        runs = sorted(episodes[(row["marketplace"], row["listing_id"])], key=lambda e: e["episode_no"])
        assert len(runs) == row["relist_count"] + 1
        assert all(a["end_reason"] == "withdrawn" and a["end_date"] < b["start_date"] for a, b in itertools.pairwise(runs))
    # One relist inside the served window is seen gone, then back under the same id.
    gap = next(e for e in truth["episodes"] if e["episode_no"] > 1 and e["start_date"] > START + timedelta(days=1)
               and e["marketplace"] == "rebag")  # fmt: skip
    previous = next(e for e in episodes[("rebag", gap["listing_id"])] if e["episode_no"] == gap["episode_no"] - 1)
    ids_on = lambda day: {str(s.listing.listing_id) for s in market.visible("rebag", day)}  # noqa: E731
    if previous["end_date"] >= START:
        assert gap["listing_id"] not in ids_on(previous["end_date"])
    assert gap["listing_id"] in ids_on(gap["start_date"])


def test_sold_items_stay_visible_only_where_the_profile_says(market, truth):
    sold_dates = {(r["marketplace"], r["listing_id"]): r["sale_date"] for r in truth["listings"] if r["sale_date"]}
    for key, profile in market.profiles.items():
        unavailable = {str(s.listing.listing_id) for day in days_between(START, END)
                       for s in market.visible(key, day) if not s.available}  # fmt: skip
        assert all((key, listing_id) in sold_dates for listing_id in unavailable)
        sold_in_window = {i for (m, i), sale in sold_dates.items() if m == key and START <= sale <= END}
        share = len(unavailable & sold_in_window) / len(sold_in_window)
        assert share == pytest.approx(profile.sold_visible_share, abs=0.1), key


def test_sold_visible_items_vanish_after_the_profile_days(market, truth):
    days = market.profiles["fashionphile"].sold_visible_days
    row = next(r for r in truth["listings"] if r["marketplace"] == "fashionphile" and r["sale_date"]
               and START + timedelta(days=1) <= r["sale_date"] <= END - timedelta(days=days))  # fmt: skip
    seen = lambda day: {str(s.listing.listing_id): s.available for s in market.visible("fashionphile", day)}  # noqa: E731
    sale = row["sale_date"]
    assert seen(sale - timedelta(days=1))[row["listing_id"]] is True
    for offset in range(days):
        assert seen(sale + timedelta(days=offset))[row["listing_id"]] is False
    assert row["listing_id"] not in seen(sale + timedelta(days=days))


def test_hot_models_sell_faster_than_slow_ones(truth):
    def median_days(brands):
        return statistics.median((r["sale_date"] - r["listed_date"]).days for r in truth["listings"]
                                 if r["sale_date"] and r["brand"] in brands and r["is_bag"])  # fmt: skip

    hermes = median_days({"Hermès"})
    slow = median_days({"Chloé", "Burberry", "Balenciaga", "Valentino Garavani"})
    assert hermes <= 6
    assert slow >= 20
    assert hermes * 3 < slow


def test_stale_stock_is_marked_down_with_compare_at_price(market, truth):
    firsts = {(r["marketplace"], r["listing_id"]): r["first_price"] for r in truth["listings"]}
    changes = [r for r in truth["price_changes"] if r["compare_at_price"] is not None]
    assert changes
    for change in changes:
        assert change["compare_at_price"] == firsts[(change["marketplace"], change["listing_id"])]
        assert change["price"] < change["compare_at_price"]
    marked_down = [s for s in market.visible("rebag", END) if s.compare_at_price is not None]
    assert marked_down and all(s.price < s.compare_at_price for s in marked_down)
    assert all((END - s.listing.listed_date).days >= 14 for s in marked_down)


# --- ground truth -----------------------------------------------------------------------


def test_daily_supply_matches_visible(market, truth):
    for row in truth["daily_supply"]:
        states = market.visible(row["marketplace"], row["date"])
        assert row["products_visible"] == len(states)
        assert row["bags_visible"] == sum(s.listing.is_bag for s in states)
        assert row["bags_available"] == sum(s.listing.is_bag and s.available for s in states)
    assert {(r["marketplace"], r["date"]) for r in truth["daily_supply"]} == {
        (key, day) for key in market.profiles for day in days_between(START, END)
    }


def test_truth_sales_match_what_the_site_showed(market, truth):
    sold = [r for r in truth["listings"] if r["marketplace"] == "rebag" and r["sale_date"]
            and START < r["sale_date"] <= END]  # fmt: skip
    by_day = {day: {str(s.listing.listing_id): s for s in market.visible("rebag", day)} for day in days_between(START, END)}
    for row in sold:
        before = by_day[row["sale_date"] - timedelta(days=1)][row["listing_id"]]
        assert before.available and before.price == row["sale_price"]
        on_sale_day = by_day[row["sale_date"]].get(row["listing_id"])
        assert on_sale_day is None or not on_sale_day.available
        assert row["end_reason"] == "sold" and row["end_date"] == row["sale_date"]
        assert row["sale_price_usd"] == row["sale_price"]


def test_truth_listings_cover_every_visible_listing_with_its_listed_date(market, truth):
    listed = {(r["marketplace"], r["listing_id"]): r["listed_date"] for r in truth["listings"]}
    for key in market.profiles:
        for state in market.visible(key, END):
            assert listed[(key, str(state.listing.listing_id))] == state.listing.listed_date


def test_fx_rates_are_the_ecb_feeds_quotes_on_business_days(market, truth):
    cad = [r for r in truth["fx_rates"] if r["currency"] == "CAD"]
    assert min(r["date"] for r in cad) == market.history_start  # a Monday
    assert len({r["date"] for r in cad}) == len(cad) < (END - market.history_start).days * 5 / 7 + 2
    assert max(r["date"] for r in cad) == last_publication_day(END)
    assert all(r["date"].weekday() < 5 for r in cad) and date(2026, 5, 1) not in {r["date"] for r in cad}
    assert all(r["units_per_eur"] == quotes(market, r["date"])["CAD"] for r in cad)
    # CAD per EUR = (CAD per USD) / (EUR per USD), rounded as the ECB prints it
    day = last_publication_day(END)
    expected = float(market.fx_rate("CAD", day) / market.fx_rate("EUR", day))
    assert float(quotes(market, day)["CAD"]) == pytest.approx(expected, abs=5e-5)


def test_truth_usd_converts_at_the_last_published_rate(market, truth):
    """The pipeline's rule (int_fx_usd_daily): the quotes of the sale day or the last publication day before it."""
    vsp_sales = [r for r in truth["listings"] if r["marketplace"] == "vsp" and r["sale_date"] and START <= r["sale_date"]]
    weekend = [r for r in vsp_sales if r["sale_date"].weekday() >= 5]
    assert weekend, "no weekend sale to check"
    for row in vsp_sales:
        published = last_publication_day(row["sale_date"])
        quoted = quotes(market, published)
        expected = (row["sale_price"] * quoted["USD"] / quoted["CAD"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert row["sale_price_usd"] == expected


# --- catalogue --------------------------------------------------------------------------


def test_catalogue_prices_are_plausible():
    models = {(m.brand, m.name): m for m in BAG_MODELS + NON_BAG_MODELS}
    assert 12_000 <= dict(models[("Hermès", "Birkin")].sizes)["30"] <= 14_000
    assert 1_800 <= dict(models[("Louis Vuitton", "Neverfull")].sizes)["MM"] <= 2_200
    assert models[("Hermès", "Birkin")].retention > 1  # resells above retail
    assert all(retail > 0 for m in models.values() for _, retail in m.sizes)
    assert not any(m.is_bag for m in NON_BAG_MODELS)


def test_profile_defaults_match_the_marketplaces():
    assert DEFAULT_PROFILES["vsp"].currency == "CAD"
    assert DEFAULT_PROFILES["fashionphile"].sold_visible_share == 1.0
    assert len({p.id_base for p in DEFAULT_PROFILES.values()}) == len(DEFAULT_PROFILES)
    assert replace(DEFAULT_PROFILES["rebag"], key="x").key == "x"  # frozen, but replace() works


# ---- the moving market: the next day's events, one by one ------------------------------
def test_intraday_events_replayed_on_a_day_give_the_next_day(market):
    day = START + timedelta(days=10)
    for marketplace in ("rebag", "fashionphile", "vsp"):
        events = market.intraday_events(marketplace, day + timedelta(days=1))
        assert [e.at_seconds for e in events] == sorted(e.at_seconds for e in events)
        assert all(0 <= e.at_seconds < 86_400 for e in events)
        served = {s.listing.listing_id: s for s in market.visible(marketplace, day)}
        for event in events:
            if event.state is None:
                del served[event.listing_id]
            else:
                served[event.listing_id] = event.state
        expected = market.visible(marketplace, day + timedelta(days=1))
        assert sorted(map(state_key, served.values()), key=lambda k: k[0].listing_id) == sorted(
            map(state_key, expected), key=lambda k: k[0].listing_id
        )
        kinds = {e.kind for e in events}
        assert {"published", "ended", "repriced"} <= kinds, (marketplace, kinds)


def test_a_new_listing_goes_up_when_it_is_published(market):
    day = START + timedelta(days=5)
    for event in market.intraday_events("vsp", day):
        if event.kind == "published":
            published = event.state.listing.published_at
            midnight = published.replace(hour=0, minute=0, second=0)
            assert event.at_seconds == (published - midnight).total_seconds()
            assert event.state.listing.listed_date == day


def test_looking_a_day_ahead_leaves_the_day_and_the_truth_as_they_were(tmp_path):
    still, ahead = (Market(seed=5, start_date=START, scale=0.05) for _ in range(2))
    for market in (still, ahead):
        market.advance_to(START + timedelta(days=6))
    for marketplace in ahead.profiles:
        assert ahead.intraday_events(marketplace, START + timedelta(days=7))  # simulates day 7
    assert ahead.current_day == START + timedelta(days=6)
    with pytest.raises(ValueError):
        ahead.visible("rebag", START + timedelta(days=7))
    with pytest.raises(ValueError):
        ahead.intraday_events("rebag", START + timedelta(days=8))  # one day ahead at most
    still.write_truth(tmp_path / "still")
    ahead.write_truth(tmp_path / "ahead")
    for name in ("listings", "episodes", "price_changes", "daily_supply", "fx_rates"):
        assert pq.read_table(tmp_path / "ahead" / f"{name}.parquet").equals(
            pq.read_table(tmp_path / "still" / f"{name}.parquet")
        ), name
    # ... and advancing onto the day looked at gives the same market as never looking ahead
    for market in (still, ahead):
        market.advance_to(START + timedelta(days=8))
    assert [state_key(s) for s in ahead.visible("rebag")] == [state_key(s) for s in still.visible("rebag")]
