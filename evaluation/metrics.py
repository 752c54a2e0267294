"""The measures: per marketplace (sales, dates, attributes, coverage, false ends), per true model
(median days to sell, ours vs the truth vs a flawless pipeline) and the model_keys per true model.
Pure functions over rows already read: the marts' rows (evaluation/warehouse.py), the truth's
(evaluation/truth.py) and the truth's names as the pipeline's seeds map them (evaluation/truth_names.py).
What each figure means: evaluation/scoring.py and docs/market-model.md ("Scoring")."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from evaluation.truth import Episode, ListingId, TruthRow, true_sale

if TYPE_CHECKING:
    from evaluation.truth_names import TruthNames

DEFAULT_GRACE_DAYS = 2
# Per marketplace-day counts the crawlers write to the manifests (docs/marketplaces.md), summed per marketplace.
CRAWL_COUNT_COLUMNS = ("shifts_detected", "pages_refetched", "listings_recovered", "disappearances_confirmed",
                       "sales_confirmed", "confirmations_failed")
MODEL_COVERAGE_TARGET = 0.97  # share of bags with a model, per marketplace and overall

Row = dict[str, Any]  # a row of the marts (marts.dim_listing, intermediate.int_marketplace_snapshots)


@dataclass
class MarketplaceScore:
    marketplace: str
    sale_signal: str  # from seeds.marketplaces: all_sales | some_sales | none
    first_day: date | None
    last_day: date | None
    listings: int  # bags in dim_listing
    predicted_sales: int
    true_positive_sales: int
    eligible_true_sales: int
    recalled_sales: int
    exact_sale_date_share: float | None
    days_to_sell_mae: float | None
    false_sales_on_incomplete_days: int
    attribute_accuracy: dict[str, float | None] = field(default_factory=dict)
    bags_with_model: int = 0  # bags in dim_listing with a non-null model
    false_sales_from_shifts: int = 0  # called sold; the truth shows it on sale past our sale date + grace
    false_withdrawals_from_shifts: int = 0  # called withdrawn; the same
    false_end_examples: list[str] = field(default_factory=list)  # a few listing ids, for debugging
    crawl_counts: dict[str, int | None] = field(default_factory=dict)  # CRAWL_COUNT_COLUMNS -> sum (None: no column)
    events_served_early: int | None = None  # next-day events the crawls met (None: a still market)

    @property
    def model_coverage(self) -> float | None:
        return self.bags_with_model / self.listings if self.listings else None

    @property
    def precision(self) -> float | None:
        return self.true_positive_sales / self.predicted_sales if self.predicted_sales else None

    @property
    def recall(self) -> float | None:
        return self.recalled_sales / self.eligible_true_sales if self.eligible_true_sales else None

    @property
    def precision_target(self) -> float:
        """0.97 where the marketplace shows (all) its sales, 0.88 where most are inferred."""
        return 0.97 if self.sale_signal == "all_sales" else 0.88


@dataclass
class ModelScore:
    brand: str
    model: str
    true_sales: int
    predicted_sales: int
    true_median_days: float
    predicted_median_days: float | None
    limit_median_days: float | None = None  # the best a crawler's evidence allows (see CrawlerView)
    model_key: str | None = None  # for a model the seeds do not name: the key ours are read from
    seeded: bool = True  # the seeds name this model (ours are read by the seed's model name)

    @property
    def error_days(self) -> float | None:
        if self.predicted_median_days is None:
            return None
        return abs(self.predicted_median_days - self.true_median_days)

    @property
    def limit_error_days(self) -> float | None:
        """How far from the truth even a flawless pipeline is: withdrawals it cannot tell apart."""
        if self.limit_median_days is None:
            return None
        return abs(self.limit_median_days - self.true_median_days)

    @property
    def off_limit_days(self) -> float | None:
        """How far we are from the flawless pipeline: the part of the error that is ours."""
        if self.predicted_median_days is None or self.limit_median_days is None:
            return None
        return abs(self.predicted_median_days - self.limit_median_days)


@dataclass
class ModelKeyScore:
    """The model_keys our bag listings of one true model got, across listings and marketplaces."""

    brand: str
    model: str
    seeded: bool  # the seeds name the model
    listings: int  # our bag listings of it (in dim_listing)
    keys: dict[str, int]  # model_key -> listings
    marketplaces: int  # marketplaces it was listed on

    @property
    def without_key(self) -> int:
        return self.listings - sum(self.keys.values())

    @property
    def one_key(self) -> bool:
        """Every bag listing of the model got the same model_key."""
        return len(self.keys) == 1 and not self.without_key


@dataclass(frozen=True)
class CrawlerView:
    """What a crawler of one marketplace can see: the scored window, whether the site flags
    every sale, its consignment term (an item gone after it is a withdrawal) and the days
    whose snapshot was incomplete (an end then shows on the next complete snapshot)."""

    first_day: date
    last_scored_day: date
    flags_all_sales: bool
    consignment_days: int | None = None
    incomplete_days: frozenset[date] = frozenset()

    def in_window(self, day: date) -> bool:
        return self.first_day < day <= self.last_scored_day

    def seen_end(self, end_date: date, sold: bool = False) -> date:
        """The day a crawler dates an end on. A site that flags every sale keeps showing the sold
        item, so its sale is dated the day after its last available sighting: the true day when
        the snapshot before it was complete, even if the sale day's own snapshot was not."""
        if sold and self.flags_all_sales and end_date - timedelta(days=1) not in self.incomplete_days:
            return end_date
        day = end_date
        while day in self.incomplete_days:
            day += timedelta(days=1)
        return day

    def looks_sold(self, end_reason: str, days_on_sale: int) -> bool:
        past_term = self.consignment_days is not None and days_on_sale >= self.consignment_days
        if end_reason == "sold":
            return self.flags_all_sales or not past_term
        return not self.flags_all_sales and not past_term  # a withdrawal no crawler can tell apart


def false_end(row: Row, episodes: list[Episode], grace: int) -> bool:
    """Our marts end the listing (sold or withdrawn) though the truth shows it on sale: the time on
    sale it was in when we last saw it available goes on past the end we date by more than `grace` days
    (or is still open). A later, merely late-detected end is not this; nor is a withdrawal taken for a sale."""
    if row["status"] not in ("sold", "withdrawn"):
        return False
    our_end = row["sale_date"] if row["status"] == "sold" and row["sale_date"] else row["last_seen_date"] + timedelta(days=1)
    seen = our_end - timedelta(days=1)
    for start, end in reversed(episodes):
        if start <= seen:
            return end is None or end > our_end + timedelta(days=grace)
    return False


def score_marketplace(marketplace: str, ours: list[Row], days: list[Row], truth: dict[ListingId, TruthRow],
                      names: TruthNames, grace: int, sale_signal: str,
                      episodes: dict[ListingId, list[Episode]] | None = None) -> MarketplaceScore:
    snapshot_days = sorted(d["snapshot_date"] for d in days)
    first_day = snapshot_days[0] if snapshot_days else None
    last_day = snapshot_days[-1] if snapshot_days else None
    incomplete = {d["snapshot_date"] for d in days if not d["is_complete"]}

    predicted = [r for r in ours if r["status"] == "sold"]
    true_positive = [r for r in predicted if true_sale(truth.get((marketplace, r["listing_id"])))]
    # dates are scored for sales inside the observed window (a bag already shown sold at the
    # first snapshot was sold before we looked: its date is only an upper bound)
    datable = []
    for r in true_positive:
        sold_on = true_sale(truth[(marketplace, r["listing_id"])])
        if first_day and sold_on and sold_on > first_day:
            datable.append(r)
    exact = [r for r in datable if r["sale_date"] == true_sale(truth[(marketplace, r["listing_id"])])]
    errors = []
    for r in datable:
        sold = truth[(marketplace, r["listing_id"])]
        if r["days_to_sell"] is not None:
            errors.append(abs(r["days_to_sell"] - (sold["sale_date"] - sold["listed_date"]).days))
    # A bag already shown sold at our first look has only an upper bound for its date (the first
    # day), not a date an incomplete snapshot made: it is not counted here, whether day 1 was complete or not.
    false_on_incomplete = sum(
        1 for r in predicted
        if r["sale_date"] in incomplete and r.get("status_rule") != "first_seen_as_sold"
        and true_sale(truth.get((marketplace, r["listing_id"]))) != r["sale_date"]
    )

    eligible = []
    if first_day and last_day:
        cutoff = last_day - timedelta(days=grace)
        eligible = [
            key for key, t in truth.items()
            if key[0] == marketplace and t["end_reason"] == "sold" and first_day < t["sale_date"] <= cutoff
        ]
    ours_by_id = {r["listing_id"]: r for r in ours}
    recalled = sum(1 for key in eligible if (ours_by_id.get(key[1]) or {}).get("status") == "sold")

    attributes: dict[str, list[bool]] = {k: [] for k in ("brand", "model", "size", "condition", "color")}
    for r in ours:
        t = truth.get((marketplace, r["listing_id"]))
        if t is None:
            continue
        attributes["brand"].append(r["brand"] == names.brand(t["brand"]))
        seeded = names.seeded_model(t["brand"], t["model"])
        if seeded is not None:  # a model the seeds do not name has no canonical name to compare with: see model_keys
            attributes["model"].append(r["model"] == seeded)
        attributes["size"].append(r["size"] == names.size(t["brand"], t["model"], t["size"]))
        attributes["condition"].append(r["condition"] == t["condition"])
        attributes["color"].append(r["color"] == names.color(t["color"]))

    false_ends = [r for r in ours if false_end(r, (episodes or {}).get((marketplace, r["listing_id"]), []), grace)]
    return MarketplaceScore(
        marketplace=marketplace,
        sale_signal=sale_signal,
        first_day=first_day,
        last_day=last_day,
        listings=len(ours),
        predicted_sales=len(predicted),
        true_positive_sales=len(true_positive),
        eligible_true_sales=len(eligible),
        recalled_sales=recalled,
        exact_sale_date_share=len(exact) / len(datable) if datable else None,
        days_to_sell_mae=sum(errors) / len(errors) if errors else None,
        false_sales_on_incomplete_days=false_on_incomplete,
        attribute_accuracy={k: (sum(v) / len(v) if v else None) for k, v in attributes.items()},
        bags_with_model=sum(1 for r in ours if r["model"] is not None),
        false_sales_from_shifts=sum(1 for r in false_ends if r["status"] == "sold"),
        false_withdrawals_from_shifts=sum(1 for r in false_ends if r["status"] == "withdrawn"),
        false_end_examples=[str(r["listing_id"]) for r in false_ends[:5]],
    )


def true_days_to_sell_by_model(
    truth: dict[ListingId, TruthRow],
    views: dict[str, CrawlerView],
    names: TruthNames,
) -> tuple[dict[tuple[str, str], list[int]], dict[tuple[str, str], list[int]]]:
    """Days to sell per (brand, model): of the truth's sales ended inside each marketplace's
    window, and of what a flawless pipeline would call sales there (its limit)."""
    true_days: dict[tuple[str, str], list[int]] = {}
    limit_days: dict[tuple[str, str], list[int]] = {}
    for (marketplace, _), t in truth.items():
        view = views.get(marketplace)
        # the truth's end state is as of the last day: a withdrawal that came back by then is no end
        if not view or t["end_reason"] not in ("sold", "withdrawn"):
            continue
        key = names.true_model(t["brand"], t["model"])
        if t["end_reason"] == "sold" and view.in_window(t["end_date"]):
            true_days.setdefault(key, []).append((t["end_date"] - t["listed_date"]).days)
        seen = view.seen_end(t["end_date"], sold=t["end_reason"] == "sold")
        if view.in_window(seen) and view.looks_sold(t["end_reason"], (t["end_date"] - t["listed_date"]).days):
            limit_days.setdefault(key, []).append((seen - t["listed_date"]).days)
    return true_days, limit_days


def score_models(ours: list[Row], truth: dict[ListingId, TruthRow], views: dict[str, CrawlerView],
                 names: TruthNames, min_model_sales: int, has_keys: bool = False) -> list[ModelScore]:
    """Median days to sell per true model over the scored window of each marketplace. Ours: the
    seed's model; a model the seeds do not name is found through its listings: the model_key
    most of them got in dim_listing, and our sales under that key."""
    true_days, limit_days = true_days_to_sell_by_model(truth, views, names)
    our_days: dict[tuple[str, str], list[int]] = {}
    our_days_by_key: dict[str, list[int]] = {}
    key_counts: dict[tuple[str, str], Counter[str]] = {}
    for r in ours:
        t = truth.get((r["marketplace"], r["listing_id"]))
        if has_keys and t is not None and r["model_key"] is not None:
            key_counts.setdefault(names.true_model(t["brand"], t["model"]), Counter())[r["model_key"]] += 1
        view = views.get(r["marketplace"])
        if r["status"] != "sold" or not view or not view.in_window(r["sale_date"]):
            continue
        our_days.setdefault((r["brand"], r["model"]), []).append(r["days_to_sell"])
        if has_keys and r["model_key"] is not None:
            our_days_by_key.setdefault(r["model_key"], []).append(r["days_to_sell"])
    scores = []
    for key, values in sorted(true_days.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(values) < min_model_sales:
            continue
        seeded = names.is_seeded(key)
        model_key = None
        if seeded:
            predicted = our_days.get(key, [])
        else:
            counts = key_counts.get(key)
            model_key = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counts else None
            predicted = our_days_by_key.get(model_key, []) if model_key else []
        scores.append(ModelScore(
            brand=key[0], model=key[1], true_sales=len(values), predicted_sales=len(predicted),
            true_median_days=float(statistics.median(values)),
            predicted_median_days=float(statistics.median(predicted)) if predicted else None,
            limit_median_days=float(statistics.median(limit_days[key])) if limit_days.get(key) else None,
            model_key=model_key, seeded=seeded,
        ))
    return scores


def model_keys(ours: list[Row], truth: dict[ListingId, TruthRow], names: TruthNames) -> list[ModelKeyScore]:
    """For each true model with bags in dim_listing: the model_keys they got, across marketplaces."""
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in ours:
        t = truth.get((r["marketplace"], r["listing_id"]))
        if t is not None:
            groups.setdefault(names.true_model(t["brand"], t["model"]), []).append(r)
    scores = []
    for (brand, model), rows in sorted(groups.items()):
        keys = Counter(r["model_key"] for r in rows if r["model_key"] is not None)
        scores.append(ModelKeyScore(
            brand=brand, model=model, seeded=names.is_seeded((brand, model)), listings=len(rows),
            keys=dict(keys), marketplaces=len({r["marketplace"] for r in rows}),
        ))
    return scores
