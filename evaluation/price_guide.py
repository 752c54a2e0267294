"""How good the price guide and the deals are, against the sandbox's ground truth (issue 15).

- The guide's error: per true model and condition with at least `min_sales` true sales in the
  guide's window, the guide's median sale price (its model x condition row, `marts.model_price_guide`)
  against the truth's median sale price in USD; the median absolute error in percent over those rows.
  The truth's model is met by the pipeline's model_key through the listings (the truth knows each
  sale's listing; marts.dim_listing knows the listing's model_key): no name is matched again here.
- The deals: the pipeline run again on the lake as it stood `weeks_after` weeks before its last
  day (a copy of the earlier days' partitions, so nothing later leaks in), its `marts.deals` read,
  and for each deal: did the bag itself sell in the following weeks, and did bags like it (the
  truth's same model, size and condition, any marketplace) sell above its buy cost then.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from evaluation.truth import load_truth
from evaluation.warehouse import duckdb_warehouse, rows
from radar.lake import FX_RATES_DIR, LISTINGS_DIR, MANIFESTS_DIR
from radar.settings import RadarSettings
from transformations.engines import Engine
from transformations.runner import run_transformations

ERROR_BAR_PCT = 10.0  # issue 15: the guide within 10% of the true median where 20+ sales back the row


@dataclass(frozen=True)
class GuideRowScore:
    brand: str
    model: str  # the truth's names
    condition: str
    model_key: str | None  # the pipeline's key most of the model's listings got
    true_sales: int
    true_median_usd: float
    guide_median_usd: float | None  # None: the guide has no such row
    guide_sales: int | None

    @property
    def error_pct(self) -> float | None:
        if self.guide_median_usd is None:
            return None
        return abs(self.guide_median_usd - self.true_median_usd) / self.true_median_usd * 100


@dataclass
class DealsScore:
    flagged_on: date
    weeks_after: int
    deals: int
    sold_within: int  # the deal's own bag sold in the following weeks (truth)
    resold_above_cost: int  # bags like it sold (median, truth) above its buy cost in the following weeks
    with_later_sales: int  # deals whose like bags had any true sale in those weeks


@dataclass
class PriceGuideScore:
    as_of: date | None
    min_sales: int
    rows: list[GuideRowScore] = field(default_factory=list)
    models_with_sales: int = 0  # model keys with a sale in the window (marts.dim_listing)
    models_in_guide: int = 0  # of those, with a model row in the guide
    deals: DealsScore | None = None

    @property
    def scored(self) -> list[GuideRowScore]:
        return [r for r in self.rows if r.error_pct is not None]

    @property
    def median_abs_error_pct(self) -> float | None:
        errors = [r.error_pct for r in self.scored if r.error_pct is not None]
        return statistics.median(errors) if errors else None

    @property
    def missing_rows(self) -> list[GuideRowScore]:
        return [r for r in self.rows if r.guide_median_usd is None]

    def failures(self) -> list[str]:
        problems = []
        error = self.median_abs_error_pct
        if error is not None and error > ERROR_BAR_PCT:
            problems.append(f"price guide: median absolute error {error:.1f}% > {ERROR_BAR_PCT:.0f}%")
        if self.models_in_guide < self.models_with_sales:
            problems.append(f"price guide: {self.models_with_sales - self.models_in_guide} model(s) with sales have no row")
        return problems


GUIDE_SQL = """
select model_key, condition, median_sale_price_usd, basis_sales_count, as_of_date, window_start_date
from marts.model_price_guide
where grain in ('model_condition', 'model')
"""
LISTING_KEYS_SQL = "select marketplace, listing_id, model_key from marts.dim_listing where model_key is not null"
MODELS_WITH_SALES_SQL = """
select count(distinct listings.model_key) as models
from marts.dim_listing as listings
cross join (
    select max(as_of_date) as as_of_date, max(window_start_date) as window_start_date from marts.model_price_guide
) as guide
where listings.status = 'sold' and listings.model_key is not null
    and listings.sale_date between guide.window_start_date and guide.as_of_date
"""


def score_price_guide(engine: Engine, truth_dir: Path, *, min_sales: int = 20) -> PriceGuideScore:
    """The guide's model x condition rows against the truth's median sale prices (rows with >= min_sales true sales)."""
    guide = rows(engine, GUIDE_SQL)
    if not guide:
        return PriceGuideScore(as_of=None, min_sales=min_sales)
    as_of, window_start = guide[0]["as_of_date"], guide[0]["window_start_date"]
    by_row = {(g["model_key"], g["condition"]): g for g in guide}
    key_of = {(r["marketplace"], r["listing_id"]): r["model_key"] for r in rows(engine, LISTING_KEYS_SQL)}
    sales: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    keys: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for listing_id, truth in load_truth(truth_dir).items():
        if truth["model"] is None:
            continue
        true_model = (truth["brand"], truth["model"])
        if listing_id in key_of:
            keys[true_model][key_of[listing_id]] += 1
        sale_date = truth["sale_date"]
        if sale_date is not None and window_start <= sale_date <= as_of and truth["sale_price_usd"] is not None:
            sales[(*true_model, truth["condition"])].append(float(truth["sale_price_usd"]))
    report = PriceGuideScore(as_of=as_of, min_sales=min_sales)
    for (brand, model, condition), prices in sorted(sales.items()):
        if len(prices) < min_sales:
            continue
        model_key = keys[(brand, model)].most_common(1)[0][0] if keys[(brand, model)] else None
        row = by_row.get((model_key, condition))
        report.rows.append(GuideRowScore(
            brand, model, condition, model_key, len(prices), _median_low(prices),
            float(row["median_sale_price_usd"]) if row else None, row["basis_sales_count"] if row else None,
        ))
    report.models_with_sales = rows(engine, MODELS_WITH_SALES_SQL)[0]["models"]
    report.models_in_guide = len({g["model_key"] for g in guide if g["condition"] == "all"})
    return report


def _median_low(values: list[float]) -> float:
    """The lower middle value, as the SQL macro percentile(x, 0.5) takes it."""
    return sorted(values)[(len(values) + 1) // 2 - 1]


# ------------------------------------------------------------------------------- the deals


DEALS_SQL = "select listing_key, marketplace, listing_id, buy_cost_usd, as_of_date from marts.deals"


def score_deals(data_dir: Path, *, weeks_after: int = 4, work_dir: Path | None = None) -> DealsScore | None:
    """The deals the pipeline flagged `weeks_after` weeks before the lake's last day, and what became of
    them in the truth. Rebuilds the warehouse on a copy of the earlier days of DIR/lake (local lakes)."""
    lake = Path(data_dir) / "lake"
    partitions = lake.glob(f"{LISTINGS_DIR}/marketplace=*/snapshot_date=*")
    days = sorted({date.fromisoformat(p.name.split("=", 1)[1]) for p in partitions})
    if not days:
        return None
    flagged_on = days[-1] - timedelta(weeks=weeks_after)
    if flagged_on < days[0]:
        return None
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        earlier = Path(scratch) / "lake"
        _copy_days(lake, earlier, flagged_on)
        settings = RadarSettings(lake_url=str(earlier), warehouse_path=str(Path(scratch) / "warehouse.duckdb"))
        run_transformations(settings, select=["+marts.deals"])
        engine = duckdb_warehouse(Path(scratch) / "warehouse.duckdb")
        try:
            deals = rows(engine, DEALS_SQL)
        finally:
            engine.close()
    return judge_deals(deals, load_truth(Path(data_dir) / "truth"), flagged_on, weeks_after)


def judge_deals(deals: list[dict[str, Any]], truth: dict[tuple[str, str], dict[str, Any]], flagged_on: date,
                weeks_after: int) -> DealsScore:
    end = flagged_on + timedelta(weeks=weeks_after)
    later: dict[tuple[Any, ...], list[tuple[Any, float]]] = defaultdict(list)  # the truth's like bags sold in the weeks after
    for listing, row in truth.items():
        if row["sale_date"] is not None and flagged_on < row["sale_date"] <= end and row["sale_price_usd"] is not None:
            later[_like(row)].append((listing, float(row["sale_price_usd"])))
    sold = resold = with_sales = 0
    for deal in deals:
        listing = (deal["marketplace"], str(deal["listing_id"]))
        bag = truth.get(listing)
        if bag is None:
            continue
        if bag["sale_date"] is not None and flagged_on < bag["sale_date"] <= end:
            sold += 1
        prices = [price for other, price in later.get(_like(bag), []) if other != listing]  # the deal's own bag is not a resale
        if prices:
            with_sales += 1
            resold += _median_low(prices) > float(deal["buy_cost_usd"])
    return DealsScore(flagged_on, weeks_after, len(deals), sold, resold, with_sales)


def _like(row: dict[str, Any]) -> tuple[Any, ...]:
    return row["brand"], row["model"], row["size"], row["condition"]


def _copy_days(lake: Path, target: Path, last_day: date) -> None:
    """The lake's listings, manifests and rates of the days up to `last_day`, as they were then."""
    for base, prefix in ((LISTINGS_DIR, "snapshot_date="), (MANIFESTS_DIR, "snapshot_date="), (FX_RATES_DIR, "fetch_date=")):
        for directory in (lake / base).rglob(f"{prefix}*"):
            if directory.is_dir() and date.fromisoformat(directory.name.removeprefix(prefix)) <= last_day:
                shutil.copytree(directory, target / directory.relative_to(lake))


# ---------------------------------------------------------------------------------- text


def price_guide_lines(score: PriceGuideScore | None) -> list[str]:
    if score is None:
        return []
    lines = ["", f"Price guide vs the true median sale price (model x condition rows with >= {score.min_sales} true sales,"
                 f" window to {score.as_of})"]
    error = score.median_abs_error_pct
    lines.append(f"  median absolute error: {'-' if error is None else f'{error:.1f}%'} over {len(score.scored)} rows "
                 f"(bar {ERROR_BAR_PCT:.0f}%); within 10%: {sum(1 for r in score.scored if (r.error_pct or 0) <= 10)}"
                 f"; rows the guide lacks: {len(score.missing_rows)}")
    lines.append(f"  models with sales in the window: {score.models_with_sales}, with a guide row: {score.models_in_guide}")
    worst = sorted(score.scored, key=lambda r: -(r.error_pct or 0))[:5]
    for r in worst:
        lines.append(f"  worst: {r.brand} {r.model} {r.condition}: guide {r.guide_median_usd:,.0f} vs true "
                     f"{r.true_median_usd:,.0f} ({r.error_pct:.1f}%, {r.true_sales} true sales)")
    if score.deals is not None:
        d = score.deals
        lines.append(f"  deals flagged on {d.flagged_on}: {d.deals}; sold within {d.weeks_after} weeks: {d.sold_within}; "
                     f"bags like them sold above the deal's buy cost: {d.resold_above_cost} of {d.with_later_sales} "
                     f"with later sales")
    return lines
