"""Issue 4's acceptance on a market of Rebag's real size (scale 12, about 50,000 listings):
60 days written straight into the lake, 3 snapshots broken on purpose as the demo breaks
them, every transformation, then the scorer. At scale 1 the slow models have too few sales
for 'median days to sell within 1 day' to hold even for a flawless pipeline (README,
benchmarks/bench_days_to_sell_limit.py); here ours must meet every threshold on the models the
seeds name. The long tail's models (sandbox/long_tail.py) are scored through their model_key and
printed; their figures depend on the pipeline giving each one key."""

from __future__ import annotations

from datetime import date

import pytest

from cli.demo import broken_snapshots
from evaluation.scoring import score
from sandbox.direct_lake import write_market_lake
from sandbox.market import DEFAULT_PROFILES
from tests.test_models_support import transform

START = date(2026, 9, 1)
DAYS = 60


@pytest.mark.slow
def test_a_real_sized_market_meets_every_acceptance_threshold(tmp_path):
    broken = broken_snapshots(START, DAYS, sorted(DEFAULT_PROFILES), 3)
    write_market_lake(tmp_path, DAYS, seed=7, start=START, scale=12,
                      incomplete={(marketplace, day): 0.4 for day, marketplace in broken.items()})
    transform(tmp_path)
    report = score(tmp_path)
    print(report.to_text())  # shown on a failure: every figure, the long tail's included

    assert len(broken) == 3
    for m in report.marketplaces:
        assert m.recall >= 0.97 and m.precision >= m.precision_target, (m.marketplace, m.recall, m.precision)
        assert m.false_sales_on_incomplete_days == 0, m.marketplace
    # The models the seeds name (the catalogue's 63, and any long-tail model analysts seeded); the others
    # are scored through their model_key and printed: their figures depend on one key per model.
    seeded = [s for s in report.models if s.seeded]
    assert len(seeded) >= 63 and min(s.true_sales for s in report.models) >= 20  # analysts add aliases over time
    assert len(report.models) > 63
    # within 1 day of the truth wherever a flawless pipeline is (a model with a few hundred sales,
    # e.g. a long-tail model analysts seeded, can miss for it too: withdrawals no crawler can see)
    off = [(s.model, s.true_median_days, s.predicted_median_days) for s in seeded
           if (s.error_days is None or s.error_days > 1) and not (s.limit_error_days is not None and s.limit_error_days > 1)]
    assert not off, off
    assert sum(1 for s in seeded if s.error_days is not None and s.error_days <= 1) >= 63
    # and every seeded model's median is the one a flawless pipeline would report (scoring.CrawlerView)
    assert all(s.off_limit_days == 0 for s in seeded), [(s.model, s.off_limit_days) for s in seeded]
    assert report.model_coverage >= 0.97
