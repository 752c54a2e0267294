"""Score marts.dim_listing against the sandbox's ground truth.

    report = score(Path("data"))      # DIR/warehouse.duckdb + DIR/truth/*.parquet
    report = score(Path("data"), engine=make_engine(settings, "trino"))   # a Trino warehouse, DIR/truth
    print(report.to_text())

One module per job: evaluation/truth.py reads the truth (pyarrow), evaluation/warehouse.py the
marts (through the pipeline's engine), evaluation/truth_names.py maps the truth's names to the
pipeline's, evaluation/metrics.py measures, evaluation/report.py prints; this module puts them
together in a ScoreReport. `radar score` (cli/main.py) prints it.

Per marketplace (bags only):
- sale precision: listings we call sold that the truth says were sold (any date);
- sale recall: true sales we call sold, among sales that happened after the first snapshot
  and at least `grace_days` before the last one (a later sale cannot be inferred yet);
- sale date exact share and days-to-sell mean absolute error, over the correctly found sales
  made after the first snapshot;
- sales we date on an incomplete snapshot day that the truth does not have on that day
  (must be zero: an incomplete snapshot never creates a sale);
- attribute accuracy (brand, model, size, condition, colour) after mapping the truth's names
  through the same seeds the SQL uses (model: over the bags whose true model the seeds name);
- model coverage: the share of bags with a model (target `MODEL_COVERAGE_TARGET`), also overall;
- false ends from shifts: bags we call sold (or withdrawn) that the truth shows still on sale,
  continuously or until more than `grace_days` after the end we date (target 0). A live site
  that moves while it is crawled can hide a listing from one crawl (a page shift); only a
  pipeline that counts unique listings and confirms disappearances keeps it. These are
  counted apart from the usual precision misses (a withdrawal taken for a sale);
- the crawls' confirmations, summed from staging.stg_crawl_manifests (shifts detected, pages
  re-fetched, listings recovered, disappearances confirmed, sales confirmed, confirmations
  failed; "n/a" on a warehouse without the column), and the next-day events a moving sandbox
  served early (truth/served_early.parquet, absent for a still market).
Per true model (brand, model) of the truth: the distinct `model_key`s our listings of it got,
across listings and marketplaces; one key per true model is the aim (a model split over keys
splits its figures). Models the seeds do not name (the market's long tail) count the same.
Per model with at least `min_model_sales` true sales: median days to sell, ours vs truth (ours:
the seed's model; for a model the seeds do not name, the model_key most of its listings got),
and the information limit: the median a pipeline would report if it read every signal a crawler
can see without a mistake. Where a marketplace does not flag its sales, a withdrawal that
never comes back looks exactly like a sale, so that pipeline counts it as one too; the gap
between the limit and the truth is what no crawler can close.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from evaluation import report as report_text
from evaluation.metrics import (
    CRAWL_COUNT_COLUMNS,
    DEFAULT_GRACE_DAYS,
    MODEL_COVERAGE_TARGET,
    CrawlerView,
    MarketplaceScore,
    ModelKeyScore,
    ModelScore,
    Row,
    model_keys,
    score_marketplace,
    score_models,
)
from evaluation.price_guide import PriceGuideScore, score_deals, score_price_guide
from evaluation.truth import load_episodes, load_served_early, load_truth
from evaluation.truth_names import TruthNames
from evaluation.warehouse import duckdb_warehouse, read_marts
from transformations.engines import Engine


@dataclass
class ScoreReport:
    marketplaces: list[MarketplaceScore]
    models: list[ModelScore]
    grace_days: int
    model_keys: list[ModelKeyScore] | None = None  # None: dim_listing has no model_key
    price_guide: PriceGuideScore | None = None  # issue 15 (evaluation/price_guide.py); None: no marts.model_price_guide

    @property
    def model_coverage(self) -> float | None:
        """Share of all bags in dim_listing with a model."""
        listings = sum(m.listings for m in self.marketplaces)
        return sum(m.bags_with_model for m in self.marketplaces) / listings if listings else None

    def one_key_share(self, seeded: bool | None = None) -> float | None:
        """Share of true models (optionally: only those the seeds name, or only the others)
        whose bag listings all got the same model_key."""
        scored = [k for k in self.model_keys or () if seeded is None or k.seeded == seeded]
        return sum(1 for k in scored if k.one_key) / len(scored) if scored else None

    def split_models(self, limit: int = 10) -> list[ModelKeyScore]:
        """The worst offenders: true models spread over the most keys (then the most listings)."""
        split = [k for k in self.model_keys or () if not k.one_key]
        return sorted(split, key=lambda k: (-len(k.keys), -k.listings, k.brand, k.model))[:limit]

    def shared_keys(self, limit: int = 5) -> list[tuple[str, dict[str, int]]]:
        """Keys that gather several true models (a merge: their figures mix): key -> {model: listings}."""
        by_key: dict[str, dict[str, int]] = {}
        for k in self.model_keys or ():
            for key, count in k.keys.items():
                by_key.setdefault(key, {})[f"{k.brand} {k.model}"] = count
        shared = [(key, models) for key, models in by_key.items() if len(models) > 1]
        return sorted(shared, key=lambda kv: (-sorted(kv[1].values())[-2], kv[0]))[:limit]

    def failures(self) -> list[str]:
        """Which of the issue's acceptance thresholds fail, one line each (empty: all hold)."""
        problems = []
        for m in self.marketplaces:
            if m.recall is not None and m.recall < 0.97:
                problems.append(f"{m.marketplace}: sale recall {m.recall:.3f} < 0.97")
            if m.precision is not None and m.precision < m.precision_target:
                problems.append(f"{m.marketplace}: sale precision {m.precision:.3f} < {m.precision_target:.2f}")
            if m.false_sales_on_incomplete_days:
                problems.append(f"{m.marketplace}: {m.false_sales_on_incomplete_days} sales dated on an incomplete snapshot")
            if m.false_sales_from_shifts or m.false_withdrawals_from_shifts:
                problems.append(f"{m.marketplace}: {m.false_sales_from_shifts} sales and {m.false_withdrawals_from_shifts} "
                                f"withdrawals of listings still on sale (e.g. {', '.join(m.false_end_examples[:3])})")
            if m.model_coverage is not None and m.model_coverage < MODEL_COVERAGE_TARGET:
                problems.append(f"{m.marketplace}: model coverage {m.model_coverage:.3f} < {MODEL_COVERAGE_TARGET:.2f}")
        if self.model_coverage is not None and self.model_coverage < MODEL_COVERAGE_TARGET:
            problems.append(f"overall: model coverage {self.model_coverage:.3f} < {MODEL_COVERAGE_TARGET:.2f}")
        off = [s for s in self.models if s.error_days is None or s.error_days > 1]
        if off:
            shared = [s for s in off if s.limit_error_days is not None and s.limit_error_days > 1]
            unseeded = sum(1 for s in off if not s.seeded)
            problems.append(
                f"{len(off)} models' median days to sell are more than 1 day from the truth "
                f"({len(shared)} of them are for a flawless pipeline too: too few sales "
                "to outweigh the withdrawals no crawler can tell from sales"
                + (f"; {unseeded} of them are models the seeds do not name, found by model_key)" if unseeded else ")")
            )
        if self.price_guide is not None:
            problems += self.price_guide.failures()
        return problems

    def passed(self) -> bool:
        """The issue's acceptance thresholds."""
        return not self.failures()

    def models_within(self, days: float = 1, seeded: bool | None = None) -> tuple[int, int, int]:
        """(ours within `days` of the truth, the flawless pipeline within `days`, models scored);
        `seeded`: only the models the seeds name (True) or only the others (False)."""
        models = [s for s in self.models if seeded is None or s.seeded == seeded]
        ours = sum(1 for s in models if s.error_days is not None and s.error_days <= days)
        limit = sum(1 for s in models if s.limit_error_days is not None and s.limit_error_days <= days)
        return ours, limit, len(models)

    def to_text(self) -> str:
        return report_text.render(self)

    __str__ = to_text


def score(data_dir: Path, *, min_model_sales: int = 20, engine: Engine | None = None,
          deals_weeks_after: int | None = None) -> ScoreReport:
    """The marts of `engine` (default: DATA_DIR/warehouse.duckdb) against the truth in DATA_DIR/truth.
    deals_weeks_after: also judge the deals flagged that many weeks before the lake's last day
    (evaluation/price_guide.py: the pipeline is run again on a copy of DATA_DIR/lake's earlier days)."""
    data_dir = Path(data_dir)
    truth = load_truth(data_dir / "truth")
    episodes = load_episodes(data_dir / "truth", truth)
    served_early = load_served_early(data_dir / "truth")
    own_engine = engine is None
    engine = engine or duckdb_warehouse(data_dir / "warehouse.duckdb")
    try:
        marts = read_marts(engine)
        names = TruthNames.resolve(engine, truth.values())
        guide = score_price_guide(engine, data_dir / "truth") if engine.table_columns("marts.model_price_guide") else None
    finally:
        if own_engine:
            engine.close()

    by_marketplace: dict[str, list[Row]] = {}
    for row in marts.listings:
        by_marketplace.setdefault(row["marketplace"], []).append(row)
    days: dict[str, list[Row]] = {}
    for row in marts.snapshots:
        days.setdefault(row["marketplace"], []).append(row)

    grace = DEFAULT_GRACE_DAYS
    results, views = [], {}
    for marketplace in sorted(set(days) | set(by_marketplace)):
        rules = marts.marketplace_rules.get(marketplace) or marts.marketplace_rules.get("*", {})  # '*': defaults
        grace = int(rules.get("grace_days") or DEFAULT_GRACE_DAYS)
        result = score_marketplace(
            marketplace, by_marketplace.get(marketplace, []), days.get(marketplace, []), truth, names,
            grace, rules.get("sale_signal", "none"), episodes,
        )
        result.crawl_counts = marts.crawl_counts.get(marketplace, dict.fromkeys(CRAWL_COUNT_COLUMNS))
        result.events_served_early = None if served_early is None else served_early.get(marketplace, 0)
        results.append(result)
        if result.first_day and result.last_day:
            views[marketplace] = CrawlerView(
                result.first_day, result.last_day - timedelta(days=grace), result.sale_signal == "all_sales",
                int(rules["consignment_days"]) if rules.get("consignment_days") else None,
                frozenset(d["snapshot_date"] for d in days.get(marketplace, []) if not d["is_complete"]),
            )

    model_scores = score_models(marts.listings, truth, views, names, min_model_sales, marts.has_model_key)
    keys = model_keys(marts.listings, truth, names) if marts.has_model_key else None
    if guide is not None and deals_weeks_after is not None:
        guide.deals = score_deals(data_dir, weeks_after=deals_weeks_after)
    return ScoreReport(results, model_scores, grace, keys, guide)
