"""KPI marts on hand-made snapshots: kpi_segment_weekly, kpi_model_trends, procurement_ranking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.test_models_support import listing, query, transform, write_day


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def birkin(listing_id, price, published, retail=None):
    return listing(listing_id, "Hermès Birkin 25 Black Togo Gold Hardware", price, brand="Hermès",
                   condition_raw="New", published=published, retail=retail)


# ------------------------------------------------------------------ weekly segments
# madison, snapshots Tue 2026-09-01 .. Sun 2026-09-13 (weeks of Mon 08-31 and Mon 09-07)
WEEK1, WEEK2 = date(2026, 8, 31), date(2026, 9, 7)
SEGMENT_SEEN = {
    # id: (published, first seen, last seen, {day: price})
    "K1": (date(2026, 8, 25), date(2026, 9, 1), date(2026, 9, 3), {}, 12000),  # sold 09-04, 10 days
    "K2": (date(2026, 9, 2), date(2026, 9, 2), date(2026, 9, 5), {date(2026, 9, 4): 21000}, 14000),  # sold 09-06
    "K3": (date(2026, 9, 1), date(2026, 9, 1), date(2026, 9, 13), {}, None),  # on sale throughout
    "K4": (date(2026, 9, 8), date(2026, 9, 8), date(2026, 9, 9), {}, None),  # sold 09-10, 2 days
}
BASE_PRICE = {"K1": 20000, "K2": 22000, "K3": 25000, "K4": 18000}


@pytest.fixture(scope="module")
def weekly(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("kpi_weekly")
    for day in days(date(2026, 9, 1), date(2026, 9, 13)):
        items = []
        for listing_id, (published, first, last, price_changes, retail) in SEGMENT_SEEN.items():
            if first <= day <= last:
                price = BASE_PRICE[listing_id]
                for change_day, new_price in price_changes.items():
                    if day >= change_day:
                        price = new_price
                items.append(birkin(listing_id, price, published, retail))
        write_day(data_dir / "lake", "madison", day, items)
    transform(data_dir)
    rows = query(data_dir, "select * from marts.kpi_segment_weekly order by week_start")
    return data_dir, rows


def test_segment_week_rows(weekly):
    _, rows = weekly
    assert [(r["week_start"], r["marketplace"], r["brand"], r["model"], r["size"], r["condition"], r["color"])
            for r in rows] == [
        (WEEK1, "madison", "Hermès", "Birkin", "25", "NEW", "Black"),
        (WEEK2, "madison", "Hermès", "Birkin", "25", "NEW", "Black"),
    ]


def test_supply_sales_and_sell_through(weekly):
    _, (week1, week2) = weekly
    assert {k: week1[k] for k in ("active_start", "new_listings", "sold_count", "withdrawn_count", "active_end",
                                  "sell_through_rate")} == {
        "active_start": 1, "new_listings": 2, "sold_count": 2, "withdrawn_count": 0, "active_end": 1,
        "sell_through_rate": 0.6667}
    assert {k: week2[k] for k in ("active_start", "new_listings", "sold_count", "active_end",
                                  "sell_through_rate")} == {
        "active_start": 1, "new_listings": 1, "sold_count": 1, "active_end": 1, "sell_through_rate": 0.5}


def test_days_to_sell_prices_markdowns_and_retention(weekly):
    _, (week1, week2) = weekly
    # sales of week 1: K1 after 10 days at 20,000 (retail 12,000), K2 after 4 days at 21,000 (retail 14,000)
    assert (week1["days_to_sell_p25"], week1["days_to_sell_median"], week1["days_to_sell_p75"]) == (4, 4, 10)
    assert week1["median_sold_price_usd"] == 20000
    assert week1["median_ask_usd"] == 25000  # K3, the only bag available at the week's last snapshot
    assert (week1["markdown_count"], week1["markdown_rate"], week1["markdown_depth_avg"]) == (1, 0.3333, 0.0455)
    assert week1["value_retention_median"] == 1.5
    assert (week2["days_to_sell_median"], week2["median_sold_price_usd"], week2["markdown_count"]) == (2, 18000, 0)


def test_week_over_week_change(weekly):
    _, (week1, week2) = weekly
    assert (week1["previous_sold_count"], week1["sold_count_wow_change"]) == (None, 2)
    assert (week2["previous_sold_count"], week2["sold_count_wow_change"]) == (2, -1)
    assert week2["median_sold_price_wow_pct"] == -0.1
    assert week2["active_supply_wow_change"] == 0


def test_model_trends(weekly):
    data_dir, _ = weekly
    rows = query(data_dir, "select week_start, brand, model, sold_count, previous_sold_count, sold_count_wow_change, "
                           "trend from marts.kpi_model_trends order by week_start")
    assert rows == [
        {"week_start": WEEK1, "brand": "Hermès", "model": "Birkin", "sold_count": 2, "previous_sold_count": 0,
         "sold_count_wow_change": 2, "trend": "thin"},
        {"week_start": WEEK2, "brand": "Hermès", "model": "Birkin", "sold_count": 1, "previous_sold_count": 2,
         "sold_count_wow_change": -1, "trend": "thin"},
    ]


# ------------------------------------------------------------------ procurement ranking
# madison, snapshots 2026-09-01 .. 09-05. Six Birkins sold fast above retail, six Marmonts sold
# slowly well below it, with two stale Marmonts still on sale.
FIRST = date(2026, 9, 1)


@pytest.fixture(scope="module")
def ranking(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("procurement")
    for day in days(FIRST, date(2026, 9, 5)):
        items = []
        if day == FIRST:
            for i in range(1, 7):
                items.append(birkin(f"B{i}", 20000 + 1000 * i, FIRST - timedelta(days=1 + i), retail=12000))
                items.append(listing(f"M{i}", "Gucci GG Marmont Small Black Leather", 1000, brand="Gucci",
                                     condition_raw="Excellent", published=FIRST - timedelta(days=40), retail=2600))
        items.append(birkin("B7", 30000, FIRST))
        # unsold filler, so the day after the sales is no sharp count drop (which would make it incomplete)
        items += [listing(f"P{k}", "Prada Galleria Saffiano Medium Black", 2000, brand="Prada", published=FIRST)
                  for k in range(12)]
        for j in (7, 8):
            items.append(listing(f"M{j}", "Gucci GG Marmont Small Black Leather", 1200, brand="Gucci",
                                 condition_raw="Excellent", published=FIRST - timedelta(days=60), retail=2600))
        write_day(data_dir / "lake", "madison", day, items)
    transform(data_dir)
    return query(data_dir, "select * from marts.procurement_ranking order by procurement_rank")


def test_procurement_ranking_orders_models_with_evidence(ranking):
    assert [(r["procurement_rank"], r["brand"], r["model"]) for r in ranking] == [
        (1, "Hermès", "Birkin"), (2, "Gucci", "GG Marmont")]
    birkin_row, marmont = ranking
    assert {k: birkin_row[k] for k in ("sold_count", "sold_within_target", "sell_within_target_rate",
                                       "days_to_sell_median", "active_supply", "stale_supply", "marketplaces")} == {
        "sold_count": 6, "sold_within_target": 6, "sell_within_target_rate": 1.0, "days_to_sell_median": 5,
        "active_supply": 1, "stale_supply": 0, "marketplaces": 1}
    assert {k: marmont[k] for k in ("sold_count", "sold_within_target", "sell_within_target_rate",
                                    "days_to_sell_median", "active_supply", "stale_supply")} == {
        "sold_count": 6, "sold_within_target": 0, "sell_within_target_rate": 0.0, "days_to_sell_median": 41,
        "active_supply": 2, "stale_supply": 2}
    assert birkin_row["procurement_score"] == 1.0 and marmont["procurement_score"] == 0.1026
    assert marmont["value_retention_median"] == round(1000 / 2600, 4)


def test_suggested_max_buy_price_leaves_the_target_margin(ranking):
    birkin_row, marmont = ranking
    assert (birkin_row["target_margin"], birkin_row["target_days_to_sell"]) == (0.25, 30)
    assert birkin_row["expected_resale_usd"] == 23000  # median price of the sales within 30 days
    assert birkin_row["suggested_max_buy_usd"] == 17250
    assert marmont["expected_resale_usd"] == 1000  # no fast sale: median of all sales
    assert marmont["suggested_max_buy_usd"] == 750
