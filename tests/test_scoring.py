"""The scorer, end to end on the sandbox market: lake straight from the simulation (no HTTP),
transformations, then marts.dim_listing against the ground truth."""

from __future__ import annotations

from contextlib import closing
from datetime import date

import pytest

from evaluation.metrics import CrawlerView, true_days_to_sell_by_model
from evaluation.scoring import score
from evaluation.truth_names import TruthNames, UnresolvedName, seeds_engine
from sandbox.direct_lake import write_market_lake
from tests.test_models_support import transform

START = date(2026, 9, 1)
INCOMPLETE = (("rebag", date(2026, 9, 12)), ("vsp", date(2026, 9, 8)))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("scoring")
    write_market_lake(data_dir, 21, start=START, scale=0.2, incomplete=dict.fromkeys(INCOMPLETE, 0.4))
    transform(data_dir)
    return score(data_dir)


def test_every_marketplace_is_scored(report):
    assert [m.marketplace for m in report.marketplaces] == ["dct", "fashionphile", "madison", "rebag", "treasures", "vsp"]
    assert all(m.predicted_sales > 0 and m.eligible_true_sales > 0 for m in report.marketplaces)


def test_recall_and_precision_meet_the_acceptance_thresholds(report):
    for m in report.marketplaces:
        assert m.recall >= 0.97, (m.marketplace, m.recall)
        if m.predicted_sales >= 100:  # small stores at this scale are too noisy for a threshold
            assert m.precision >= m.precision_target, (m.marketplace, m.precision)
    inferred = [m for m in report.marketplaces if m.sale_signal != "all_sales"]
    pooled = sum(m.true_positive_sales for m in inferred) / sum(m.predicted_sales for m in inferred)
    assert pooled >= 0.88
    fashionphile = next(m for m in report.marketplaces if m.marketplace == "fashionphile")
    assert fashionphile.precision_target == 0.97  # it flags every sale


def test_no_sale_is_created_by_an_incomplete_snapshot(report):
    assert all(m.false_sales_on_incomplete_days == 0 for m in report.marketplaces)


def test_days_to_sell_match_the_truth(report):
    for m in report.marketplaces:
        assert m.days_to_sell_mae is not None and m.days_to_sell_mae < 0.5, (m.marketplace, m.days_to_sell_mae)
        assert m.exact_sale_date_share >= 0.9, (m.marketplace, m.exact_sale_date_share)
    scored = [s for s in report.models if s.true_sales >= 20]
    assert scored, "no model with 20+ sales to compare"
    assert sum(1 for s in scored if s.error_days is not None and s.error_days <= 1) / len(scored) >= 0.8


def test_attributes_match_the_truth(report):
    for m in report.marketplaces:
        assert m.attribute_accuracy["brand"] >= 0.99, m.marketplace
        assert m.attribute_accuracy["model"] >= 0.95, m.marketplace
        assert m.attribute_accuracy["condition"] >= 0.6, m.marketplace  # fashionphile has no Very Good


def test_model_coverage_and_keys_on_the_open_market(report):
    """A quarter to a third of the market's bags are models the seeds do not name; the site or
    the title still gives nearly all of them a model, and the scorer says which true models got
    one key across listings and marketplaces."""
    for m in report.marketplaces:
        assert m.model_coverage >= 0.97, (m.marketplace, m.model_coverage)
    unseeded = [k for k in report.model_keys if not k.seeded]
    assert len(unseeded) >= 50 and sum(k.listings for k in unseeded) >= 0.2 * sum(k.listings for k in report.model_keys)
    assert report.one_key_share() is not None and "One key per true model:" in report.to_text()


def test_report_prints_a_table(report):
    text = report.to_text()
    assert "precision" in text and "recall" in text and "rebag" in text
    assert text.splitlines()[-1] in {"PASS", "FAIL"}


def test_truth_names_are_mapped_through_the_seeds_by_the_pipelines_sql():
    truth = [{"brand": "Hermes", "model": "Birkin"}, {"brand": "Dior", "model": "Lady Dior", "color": "noir"},
             {"brand": "Chanel", "model": "Classic Double Flap", "size": "Medium/Large", "color": "Beige Clair"},
             {"brand": "Chanel", "model": "Classic Flap", "size": "Medium/Large"},
             {"brand": "Goyard", "model": "Saint Louis", "size": "PM"}]
    with closing(seeds_engine()) as engine:
        names = TruthNames.resolve(engine, truth)
    assert names.brand("Hermes") == "Hermès" and names.brand("Dior") == "Christian Dior"
    assert names.model("Chanel", "Classic Double Flap") == "Classic Flap"
    assert names.size("Chanel", "Classic Flap", "Medium/Large") == "Medium"
    assert names.size("Chanel", "Classic Double Flap", "Medium/Large") == "Medium"  # the size of the model found
    assert names.size("Hermes", "Birkin", None) is None
    assert names.color("noir") == "Black" and names.color(None) is None
    with pytest.raises(UnresolvedName):
        names.brand("Celine")  # not resolved: an error, not the name passed through


def test_ours_follow_the_flawless_pipeline_per_model(report):
    """The per-model error that is ours (not the withdrawals no crawler can see) is small."""
    scored = [s for s in report.models if s.limit_median_days is not None]
    assert scored
    assert all(s.off_limit_days <= 1 for s in scored), [(s.model, s.off_limit_days) for s in scored]
    assert sum(1 for s in scored if s.off_limit_days == 0) / len(scored) >= 0.8
    ours, limit, total = report.models_within(1)
    assert total == len(report.models) and ours >= limit - 1


def _truth_row(marketplace, listing_id, end_reason, end_date, listed=date(2026, 8, 20), model="Birkin"):
    return {
        "marketplace": marketplace, "listing_id": listing_id, "brand": "Hermes", "model": model,
        "listed_date": listed, "end_reason": end_reason, "end_date": end_date,
        "sale_date": end_date if end_reason == "sold" else None,
    }


def test_the_flawless_pipeline_counts_only_the_withdrawals_a_crawler_cannot_see():
    rows = [
        _truth_row("rebag", "1", "sold", date(2026, 9, 5)),  # 16 days
        _truth_row("rebag", "2", "withdrawn", date(2026, 9, 10)),  # looks like a sale: 21 days
        _truth_row("fashionphile", "3", "withdrawn", date(2026, 9, 10)),  # no sold badge: not a sale
        _truth_row("fashionphile", "4", "sold", date(2026, 9, 2)),  # 13 days
        _truth_row("rebag", "5", "sold", date(2026, 9, 1)),  # on the first day: before we looked
        _truth_row("rebag", "6", "withdrawn", date(2026, 9, 20)),  # inside the grace period
        _truth_row("rebag", "7", None, None),  # still on sale (or came back)
        _truth_row("rebag", "8", "withdrawn", date(2026, 9, 10), listed=date(2026, 3, 14)),  # consignment over
        _truth_row("rebag", "9", "sold", date(2026, 9, 12)),  # 23 days, shows on the 14th: 25
        _truth_row("fashionphile", "10", "sold", date(2026, 9, 10), listed=date(2026, 3, 1)),  # flagged: 193
        # flagged, sold on a broken snapshot: seen available the day before, so dated right: 23
        _truth_row("fashionphile", "11", "sold", date(2026, 9, 12)),
    ]
    truth = {(r["marketplace"], r["listing_id"]): r for r in rows}
    broken = frozenset({date(2026, 9, 12), date(2026, 9, 13)})
    views = {"rebag": CrawlerView(date(2026, 9, 1), date(2026, 9, 18), False, 180, broken),
             "fashionphile": CrawlerView(date(2026, 9, 1), date(2026, 9, 18), True, 180, frozenset({date(2026, 9, 12)}))}
    with closing(seeds_engine()) as engine:
        names = TruthNames.resolve(engine, truth.values())
    true_days, limit_days = true_days_to_sell_by_model(truth, views, names)
    assert true_days == {("Hermès", "Birkin"): [16, 13, 23, 193, 23]}
    assert limit_days == {("Hermès", "Birkin"): [16, 21, 13, 25, 193, 23]}


def test_a_failing_report_says_which_threshold_fails_and_whose_fault_it_is():
    from evaluation.metrics import MarketplaceScore, ModelScore
    from evaluation.scoring import ScoreReport

    vsp = MarketplaceScore("vsp", "none", date(2026, 9, 1), date(2026, 10, 30), listings=100, predicted_sales=50,
                           true_positive_sales=40, eligible_true_sales=40, recalled_sales=40,
                           exact_sale_date_share=1.0, days_to_sell_mae=0.0, false_sales_on_incomplete_days=1,
                           bags_with_model=96)
    models = [
        ModelScore("Fendi", "First", 58, 65, true_median_days=32, predicted_median_days=29, limit_median_days=29),
        ModelScore("Gucci", "Jackie 1961", 90, 95, true_median_days=26, predicted_median_days=30, limit_median_days=26.5),
        ModelScore("Hermès", "Birkin", 400, 430, true_median_days=3, predicted_median_days=3, limit_median_days=3),
    ]
    report = ScoreReport([vsp], models, grace_days=2)
    assert not report.passed()
    assert report.failures() == [
        "vsp: sale precision 0.800 < 0.88",
        "vsp: 1 sales dated on an incomplete snapshot",
        "vsp: model coverage 0.960 < 0.97",
        "overall: model coverage 0.960 < 0.97",
        "2 models' median days to sell are more than 1 day from the truth (1 of them are for a flawless pipeline "
        "too: too few sales to outweigh the withdrawals no crawler can tell from sales)",
    ]
    assert report.models_within(1) == (1, 2, 3)
    assert "- vsp: sale precision 0.800 < 0.88" in report.to_text()


def test_the_report_prints_its_sections_in_order_then_the_verdict():
    from evaluation.metrics import MarketplaceScore
    from evaluation.report import SECTIONS, render, sales_lines
    from evaluation.scoring import ScoreReport

    rebag = MarketplaceScore("rebag", "some_sales", date(2026, 9, 1), date(2026, 9, 30), listings=10, predicted_sales=4,
                             true_positive_sales=4, eligible_true_sales=4, recalled_sales=4, exact_sale_date_share=1.0,
                             days_to_sell_mae=0.0, false_sales_on_incomplete_days=0, bags_with_model=10)
    report = ScoreReport([rebag], [], grace_days=2)
    assert report.to_text() == render(report, SECTIONS)
    assert report.to_text().startswith("\n".join(sales_lines(report)))
    extra = render(report, [sales_lines, lambda r: ["", f"another score over {len(r.marketplaces)} marketplace"]])
    assert extra.splitlines()[-4:] == ["", "another score over 1 marketplace", "", "PASS"]


def test_a_listing_still_on_sale_that_we_end_is_a_false_end_from_a_shift():
    from datetime import timedelta

    from evaluation.metrics import false_end

    def ours(status, last_seen, sale_date=None):
        return {"status": status, "last_seen_date": last_seen, "sale_date": sale_date}

    d = date(2026, 9, 10)
    on_sale = [(date(2026, 8, 1), None)]
    assert false_end(ours("sold", d, d + timedelta(days=1)), on_sale, grace=2)  # never left the site
    assert false_end(ours("withdrawn", d), on_sale, grace=2)
    assert not false_end(ours("active", d), on_sale, grace=2)
    ended_later = [(date(2026, 8, 1), d + timedelta(days=4))]  # sold 3 days after the end we dated
    assert false_end(ours("sold", d, d + timedelta(days=1)), ended_later, grace=2)
    within_grace = [(date(2026, 8, 1), d + timedelta(days=3))]
    assert not false_end(ours("sold", d, d + timedelta(days=1)), within_grace, grace=2)
    # a withdrawal taken for a sale is a precision miss, not this; nor is a relist after a real withdrawal
    withdrawn_then_back = [(date(2026, 8, 1), d + timedelta(days=1)), (d + timedelta(days=6), None)]
    assert not false_end(ours("sold", d, d + timedelta(days=1)), withdrawn_then_back, grace=2)
    assert not false_end(ours("withdrawn", d), withdrawn_then_back, grace=2)
    # ... but ending it again in the second time on sale, while it is still there, is
    assert false_end(ours("withdrawn", d + timedelta(days=8)), withdrawn_then_back, grace=2)


def test_a_still_market_has_no_false_end_and_the_report_shows_the_crawl_counts(report):
    from evaluation.metrics import CRAWL_COUNT_COLUMNS

    for m in report.marketplaces:
        assert m.false_sales_from_shifts == 0 and m.false_withdrawals_from_shifts == 0, (m.marketplace, m.false_end_examples)
        assert m.events_served_early is None  # the direct lake is a still market: no served_early.parquet
        assert set(m.crawl_counts) == set(CRAWL_COUNT_COLUMNS)
    text = report.to_text()
    assert "false sold" in text and "sold conf" in text
    rebag_line = next(line for line in text.splitlines() if line.startswith("rebag") and "n/a" in line)
    assert rebag_line.split()[2:4] == ["0", "0"]  # false sold, false withdrawn
