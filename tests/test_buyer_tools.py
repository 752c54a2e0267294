"""Issue 15's acceptance: the price guide, the deals, `radar price`, watchlists and the guide's score.

One 60-day sandbox market written straight into a lake (sandbox/direct_lake.py, no crawl) at a
scale where many models have 20+ sales, transformed once for the module."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cli.main import main
from evaluation.price_guide import ERROR_BAR_PCT, judge_deals, price_guide_lines, score_price_guide
from evaluation.warehouse import duckdb_warehouse
from flows.watchlists import CHANGES_SQL, WatchlistError, load_watchlist, parse_watchlist, read_posted
from radar.lake import Lake
from radar.settings import get_settings
from sandbox.direct_lake import write_market_lake
from tests.test_alerts import SlackReceiver
from tests.test_models_support import query, transform

START = date(2026, 9, 1)
DAYS = 60
SCALE = 0.2


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("buyer")
    write_market_lake(data_dir, DAYS, start=START, scale=SCALE)
    transform(data_dir)  # asserts every column of every model is documented
    return data_dir


def test_the_guide_covers_every_model_with_sales_in_its_window(market):
    sold = {r["model_key"] for r in query(market, """
        select distinct model_key from marts.dim_listing
        where status = 'sold' and model_key is not null
            and sale_date > (select max(snapshot_date) from intermediate.int_marketplace_snapshots) - interval 84 day""")}
    guide = query(market, "select * from marts.model_price_guide")
    assert len(sold) > 50
    assert {g["model_key"] for g in guide if g["grain"] == "model"} == sold
    assert all(g["median_sale_price_usd"] > 0 and g["basis_sales_count"] > 0 for g in guide)
    assert {g["as_of_date"] for g in guide} == {date(2026, 10, 30)}
    assert {g["grain"] for g in guide} >= {"model", "model_condition", "model_size_condition"}


def test_thin_rows_fall_back_to_a_coarser_row_and_say_so(market):
    rows = query(market, """
        select fine.sales_count, fine.price_basis, fine.confidence, fine.median_sale_price_usd,
               coarse.median_sale_price_usd as condition_median, coarse.basis_sales_count as condition_sales
        from marts.model_price_guide as fine
        inner join marts.model_price_guide as coarse
            on fine.model_key = coarse.model_key and fine.condition = coarse.condition and coarse.grain = 'model_condition'
        where fine.grain = 'model_size_condition'""")
    thin = [r for r in rows if r["sales_count"] < 5]
    assert thin and all(r["confidence"] == "D" and r["price_basis"] in ("model_condition", "model") for r in thin)
    from_condition = [r for r in thin if r["price_basis"] == "model_condition"]
    assert from_condition and all(r["median_sale_price_usd"] == r["condition_median"] for r in from_condition)
    own = [r for r in rows if r["sales_count"] >= 5]
    assert own and all(r["price_basis"] == "model_size_condition" and r["confidence"] in "ABC" for r in own)


def test_the_guide_is_within_ten_percent_of_the_true_median_sale_price(market):
    engine = duckdb_warehouse(market / "warehouse.duckdb")
    try:
        report = score_price_guide(engine, market / "truth")
    finally:
        engine.close()
    text = "\n".join(price_guide_lines(report))
    print(text)
    assert len(report.scored) >= 15 and not report.missing_rows  # rows backed by >= 20 true sales
    assert all(r.true_sales >= 20 for r in report.rows)
    assert report.median_abs_error_pct is not None and report.median_abs_error_pct <= ERROR_BAR_PCT
    assert f"median absolute error: {report.median_abs_error_pct:.1f}%" in text
    assert report.models_in_guide == report.models_with_sales and not report.failures()


def test_deals_are_below_the_guide_after_each_marketplaces_fees(market):
    deals = query(market, "select * from marts.deals order by deal_rank")
    fees = {r["marketplace"]: r for r in query(market, "select * from seeds.marketplace_fees")}
    assert deals
    for deal in deals:
        fee = fees.get(deal["marketplace"], fees["*"])
        cost = Decimal(str(deal["ask_usd"])) * Decimal(str(1 + fee["buyer_fee_pct"])) + Decimal(str(fee["buyer_fee_usd"]))
        assert abs(Decimal(str(deal["buy_cost_usd"])) - cost) <= Decimal("0.01")
        assert deal["expected_margin_usd"] >= 0.15 * deal["buy_cost_usd"] - 0.01
        assert deal["guide_price_basis"] == deal["guide_grain"] and deal["guide_confidence"] in "ABC"
    margins = [d["expected_margin_usd"] for d in deals]
    assert margins == sorted(margins, reverse=True) and [d["deal_rank"] for d in deals] == list(range(1, len(deals) + 1))
    assert any(d["buyer_fee_usd"] > 0 for d in deals) or not any(d["marketplace"] == "vsp" for d in deals)


def test_radar_score_prints_the_guides_error_within_the_bar(market, capsys):
    main(["score", "--data-dir", str(market), "--deals-weeks", "0"])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "median absolute error:" in line)
    assert float(line.split("median absolute error: ")[1].split("%")[0]) <= ERROR_BAR_PCT
    assert "Price guide vs the true median sale price (model x condition rows with >= 20 true sales" in out
    assert "price guide:" not in out  # no failure of the guide's own


def test_the_score_judges_the_deals_flagged_weeks_before_against_the_later_truth(market):
    from evaluation.scoring import score

    report = score(market, deals_weeks_after=4)
    deals = report.price_guide.deals
    assert deals is not None and deals.flagged_on == date(2026, 10, 2) and deals.deals > 0
    assert 0 <= deals.resold_above_cost <= deals.with_later_sales <= deals.deals and deals.sold_within <= deals.deals
    assert (f"deals flagged on 2026-10-02: {deals.deals}; sold within 4 weeks: {deals.sold_within}; bags like them sold "
            f"above the deal's buy cost: {deals.resold_above_cost} of {deals.with_later_sales}") in report.to_text()


def test_judge_deals_counts_like_bags_sold_above_the_buy_cost():
    bag = {"brand": "Chanel", "model": "Boy", "size": "Medium", "condition": "EXCELLENT"}
    truth = {
        ("rebag", "1"): {**bag, "sale_date": date(2026, 10, 5), "sale_price_usd": Decimal("900")},  # the deal itself
        ("vsp", "2"): {**bag, "sale_date": date(2026, 10, 6), "sale_price_usd": Decimal("1500")},
        ("vsp", "3"): {**bag, "sale_date": date(2026, 12, 1), "sale_price_usd": Decimal("100")},  # after the weeks
    }
    score = judge_deals([{"marketplace": "rebag", "listing_id": "1", "buy_cost_usd": 1000}], truth, date(2026, 10, 1), 4)
    assert (score.deals, score.sold_within, score.with_later_sales, score.resold_above_cost) == (1, 1, 1, 1)


def test_radar_price_prints_the_guide_row_and_comparable_sales(market, capsys):
    assert main(["price", "Chanel Classic Flap Medium", "--condition", "excellent", "--data-dir", str(market)]) == 0
    out = capsys.readouterr().out
    print(out)
    assert out.startswith("Chanel Classic Flap Medium  (chanel/classic-flap, size Medium")
    assert "condition EXCELLENT: median $" in out and "confidence " in out and "days to sell" in out
    sales = [line for line in out.splitlines() if "https://example.test/" in line]
    expected = query(market, """select marketplace, sale_date, sale_price_usd, url from marts.dim_listing
        where status = 'sold' and model_key = 'chanel/classic-flap' and size = 'Medium' and condition = 'EXCELLENT'
        order by sale_date desc, listing_key limit 10""")
    assert len(sales) == len(expected) > 0
    for line, sale in zip(sales, expected):
        assert sale["marketplace"] in line and str(sale["sale_date"]) in line and sale["url"] in line
        assert f"${float(sale['sale_price_usd']):,.0f}" in line


@pytest.mark.parametrize("args, message", [
    (["Chanel Classic Flap Medium", "--condition", "mint"], "unknown condition 'mint'"),
    (["Qqqq Zzzz Xxxx"], "no model in the guide matches 'Qqqq Zzzz Xxxx'; closest:"),
])
def test_radar_price_refuses_what_it_cannot_answer(market, capsys, args, message):
    assert main(["price", *args, "--data-dir", str(market)]) == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------------------------------------- watchlists


@pytest.fixture
def slack(monkeypatch, market, tmp_path):
    receiver = SlackReceiver()
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("RADAR_LAKE_URL", str(tmp_path / "lake"))  # the record of what was posted goes here
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(market / "warehouse.duckdb"))
    monkeypatch.setattr("flows.slack.SLACK_BLOCK_NAME", "no-such-block-in-tests")
    get_settings.cache_clear()
    yield receiver
    receiver.close()
    get_settings.cache_clear()


def _rule(name: str, row: dict, change: str) -> dict:
    return {"name": name, "brand": row["brand"], "model": row["model"], "size": row["size"],
            "condition": row["condition"].lower(), "color": row["color"], "max_price_usd": float(row["price_usd"]),
            "changes": [change]}


def test_a_matching_new_listing_and_price_drop_post_once_and_a_rerun_posts_nothing(market, slack, tmp_path):
    from flows.daily import post_watchlist_alerts

    day = date(2026, 10, 30)
    changes = query(market, CHANGES_SQL.format(day=day))
    new = next(r for r in changes if r["change"] == "new" and r["model"] and r["guide_price_usd"] is not None)
    drop = next(r for r in changes if r["change"] == "price_drop" and r["model"] and r["guide_price_usd"] is not None)
    path = tmp_path / "watchlist.yml"
    path.write_text(json.dumps({"rules": [_rule("new-bag", new, "new"), _rule("cheaper-bag", drop, "price_drop")]}))

    first = post_watchlist_alerts.fn(day, str(path))
    bodies = [json.dumps(m) for m in slack.messages]
    for row, rule in ((new, "new-bag"), (drop, "cheaper-bag")):
        mine = [b for b in bodies if row["listing_key"] in b]
        assert len(mine) == 1, row["listing_key"]
        for shown in (rule, row["url"], f"${float(row['price_usd']):,.0f}", f"${float(row['guide_price_usd']):,.0f}",
                      "expected days to sell"):
            assert shown in mine[0]
    assert first["posted"] == first["matched"] == len(slack.messages) >= 2 and first["already_posted"] == 0
    assert "price drop from $" in next(b for b in bodies if drop["listing_key"] in b)
    assert len(read_posted(Lake.from_url(str(tmp_path / "lake")), day)) == len(slack.messages)

    again = post_watchlist_alerts.fn(day, str(path))
    assert again == {"matched": first["matched"], "posted": 0, "already_posted": first["matched"], "not_delivered": 0}
    assert len(slack.messages) == first["posted"]


def test_a_below_the_guide_rule_matches_only_asks_below_it():
    watchlist = parse_watchlist("rules:\n- {name: cheap-birkin, brand: hermes, model: BIRKIN, below_guide_pct: 20}\n", "t")
    row = {"change": "new", "brand": "Hermès", "model": "Birkin", "size": "30", "condition": "EXCELLENT", "color": "Black",
           "guide_price_usd": Decimal("10000")}
    assert watchlist.rules[0].matches({**row, "price_usd": Decimal("7999")})
    assert not watchlist.rules[0].matches({**row, "price_usd": Decimal("8001")})
    assert not watchlist.rules[0].matches({**row, "price_usd": Decimal("100"), "guide_price_usd": None})


@pytest.mark.parametrize("text, message", [
    ("rules:\n- {name: a, brand: Chanel}\n", "rule 1 ('a'): Value error, a rule needs max_price_usd or below_guide_pct"),
    ("rules:\n- {name: a, max_price_usd: 100}\n", "rule 1 ('a'): Value error, a rule needs a brand or a model"),
    ("rules:\n- {name: a, brand: Chanel, max_price_usd: -5}\n", "rule 1 ('a'), max_price_usd: Input should be greater than 0"),
    ("rules:\n- {name: a, brand: Chanel, max_price_usd: 5, condition: mint}\n",
     "condition: Value error, unknown condition 'mint'"),
    ("rules:\n- {name: a, brand: Chanel, max_price_usd: 5, colour: red}\n",
     "rule 1 ('a'), colour: Extra inputs are not permitted"),
    ("rules:\n- {name: a, brand: Chanel, max_price_usd: 5}\n- {name: a, brand: Dior, max_price_usd: 5}\n",
     "rule names must be unique: a"),
    ("rules: [", "not valid YAML"),
    ("- just a list", "expected a mapping with a 'rules:' list"),
])
def test_a_bad_rule_is_a_clear_error(tmp_path, text, message):
    path = tmp_path / "watchlist.yml"
    path.write_text(text)
    with pytest.raises(WatchlistError) as error:
        load_watchlist(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_the_documented_example_watchlist_is_valid():
    example = Path(__file__).resolve().parents[1] / "docs" / "watchlist.example.yml"
    watchlist = load_watchlist(example)
    assert watchlist is not None and len(watchlist.rules) >= 2


def test_the_daily_digest_lists_the_best_deals_with_price_guide_and_link(market, slack):
    from flows.daily import post_daily_digest

    post_daily_digest.fn(date(2026, 10, 30), deals_limit=3)
    text = slack.messages[-1]["text"]
    deals = query(market, "select * from marts.deals where deal_rank <= 3 order by deal_rank")
    assert len(deals) == 3 and ":moneybag: Deals below the price guide:" in text
    for deal in deals:
        assert deal["url"] in text and f"vs guide ${float(deal['guide_price_usd']):,.0f}" in text
        assert f"${float(deal['buy_cost_usd']):,.0f} with fees" in text


def test_a_bad_watchlist_stops_the_daily_run_before_any_crawl(tmp_path, monkeypatch):
    import flows.daily as daily

    crawled = []
    monkeypatch.setattr(daily, "_settings_at_start", lambda: None)
    monkeypatch.setattr(daily, "_crawl_all", lambda *args, **kwargs: crawled.append(args))
    path = tmp_path / "watchlist.yml"
    path.write_text("rules:\n- {name: flap, brand: Chanel, max_price_usd: 0}\n")
    with pytest.raises(WatchlistError, match=r"rule 1 \('flap'\), max_price_usd: Input should be greater than 0"):
        daily.daily_market_snapshot.fn(date(2026, 9, 1), ["rebag"], watchlist_path=str(path))
    assert crawled == []
