"""Score marts.dim_listing against the sandbox's ground truth.

    report = score(Path("data"))      # DIR/warehouse.duckdb + DIR/truth/*.parquet
    print(report.to_text())

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

import csv
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from radar.text import alias_words
from transformations.sources import SEEDS_DIR

DEFAULT_GRACE_DAYS = 2
# Per marketplace-day counts the crawlers write to the manifests (docs/marketplaces.md), summed per marketplace.
CRAWL_COUNT_COLUMNS = ("shifts_detected", "pages_refetched", "listings_recovered", "disappearances_confirmed",
                       "sales_confirmed", "confirmations_failed")
MODEL_COVERAGE_TARGET = 0.97  # share of bags with a model, per marketplace and overall


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
    limit_median_days: float | None = None  # the best a crawler's evidence allows (see module doc)
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


@dataclass
class ScoreReport:
    marketplaces: list[MarketplaceScore]
    models: list[ModelScore]
    grace_days: int
    model_keys: list[ModelKeyScore] | None = None  # None: dim_listing has no model_key

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
        lines = [
            f"Sales vs ground truth (recall counts sales >= {self.grace_days} days before the last snapshot)",
            f"{'marketplace':<14}{'signal':<12}{'bags':>7}{'sold':>7}{'precision':>11}{'target':>8}"
            f"{'recall':>9}{'date ok':>9}{'dts MAE':>9}{'bad@incompl':>12}{'model ok':>10}{'size ok':>9}"
            f"{'model cov':>11}",
        ]
        for m in self.marketplaces:
            lines.append(
                f"{m.marketplace:<14}{m.sale_signal:<12}{m.listings:>7}{m.predicted_sales:>7}"
                f"{_fmt(m.precision):>11}{m.precision_target:>8.2f}{_fmt(m.recall):>9}"
                f"{_fmt(m.exact_sale_date_share):>9}{_fmt(m.days_to_sell_mae):>9}"
                f"{m.false_sales_on_incomplete_days:>12}{_fmt(m.attribute_accuracy.get('model')):>10}"
                f"{_fmt(m.attribute_accuracy.get('size')):>9}{_fmt(m.model_coverage):>11}"
            )
        lines += [f"('model ok': bags whose true model the seeds name; 'model cov': bags with a model, target "
                  f"{MODEL_COVERAGE_TARGET:.2f}; overall {_fmt(self.model_coverage)})"]
        lines += self._moving_market_lines()
        lines += self._model_key_lines()
        if self.models:
            lines += ["", "Median days to sell per model (models with enough true sales; 'limit': what a flawless",
                      "pipeline reports, counting the withdrawals no crawler can tell from sales)",
                      "(ours: by the seed's model; '*' a model the seeds do not name, by the key most of its listings got)",
                      f"{'brand':<18}{'model':<44}{'true n':>7}{'our n':>7}{'truth':>8}{'ours':>8}{'error':>8}"
                      f"{'limit':>8}{'lim err':>8}"]
            for s in self.models:
                name = s.model if s.seeded else f"*{s.model} ({s.model_key or 'no key'})"
                lines.append(
                    f"{s.brand:<18}{name:<44}{s.true_sales:>7}{s.predicted_sales:>7}"
                    f"{s.true_median_days:>8.1f}{_fmt(s.predicted_median_days, 1):>8}{_fmt(s.error_days, 1):>8}"
                    f"{_fmt(s.limit_median_days, 1):>8}{_fmt(s.limit_error_days, 1):>8}"
                )
            ours, limit, total = self.models_within(1)
            exact = sum(1 for s in self.models if s.off_limit_days == 0)
            lines += [f"within 1 day of the truth: ours {ours}/{total}, flawless pipeline {limit}/{total};"
                      f" ours equal to the flawless pipeline's: {exact}/{total}"]
            for seeded, label in ((True, "models the seeds name"), (False, "models the seeds do not name")):
                ours, limit, total = self.models_within(1, seeded)
                if total:
                    lines.append(f"  {label}: ours {ours}/{total}, flawless pipeline {limit}/{total}")
        lines.append("")
        lines += [f"- {problem}" for problem in self.failures()]
        lines.append("PASS" if self.passed() else "FAIL")
        return "\n".join(lines)

    __str__ = to_text

    def _moving_market_lines(self) -> list[str]:
        headers = ("met early", "false sold", "false wdrn", "shifts", "refetched", "recovered", "gone conf",
                   "sold conf", "conf fail")
        lines = ["", "Live-site moves: bags ended in our marts but still on sale in the truth ('false sold', "
                     "'false wdrn': target 0),",
                 "next-day events the crawls met early, and the crawls' confirmations (manifests; n/a: no such column)",
                 f"{'marketplace':<14}" + "".join(f"{h:>11}" for h in headers)]
        for m in self.marketplaces:
            counts = [m.crawl_counts.get(c) for c in CRAWL_COUNT_COLUMNS]
            values = [m.events_served_early, m.false_sales_from_shifts, m.false_withdrawals_from_shifts, *counts]
            lines.append(f"{m.marketplace:<14}" + "".join(f"{'n/a' if v is None else v:>11}" for v in values))
        return lines

    def _model_key_lines(self) -> list[str]:
        if self.model_keys is None:
            return ["", "One key per true model: - (marts.dim_listing has no model_key)"]
        total = len(self.model_keys)
        one = sum(1 for k in self.model_keys if k.one_key)
        lines = ["", f"One key per true model: {one}/{total} = {_fmt(self.one_key_share())} of the true models "
                     f"got exactly one model_key across their listings and marketplaces "
                     f"(seeded {_fmt(self.one_key_share(True))}, not in the seeds {_fmt(self.one_key_share(False))})"]
        split = self.split_models()
        if split:
            lines.append("split over several keys or none (true model -> model_key: listings):")
            for k in split:
                keys = ", ".join(f"{key} {n}" for key, n in sorted(k.keys.items(), key=lambda kv: -kv[1]))
                lines.append(f"  {k.brand} {k.model}{'' if k.seeded else ' *'} ({k.listings} listings, "
                             f"{k.marketplaces} marketplaces) -> {keys or '-'}"
                             + (f", no key {k.without_key}" if k.without_key else ""))
        shared = self.shared_keys()
        if shared:
            lines.append("keys shared by several true models (model_key <- true model: listings):")
            for key, models in shared:
                lines.append(f"  {key} <- " + ", ".join(f"{m} {n}" for m, n in sorted(models.items(), key=lambda kv: -kv[1])))
        return lines


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# ------------------------------------------------------------------ canonical names


class Canonicaliser:
    """The truth's brand/model/size/colour names mapped through the seeds, as the SQL does."""

    def __init__(self, seeds_dir: Path = SEEDS_DIR):
        read = lambda name: list(csv.DictReader(open(seeds_dir / f"{name}.csv", encoding="utf-8")))  # noqa: E731
        self.brands = {row["alias"]: row["brand"] for row in read("brand_aliases")}
        self.models: dict[str, list[tuple[str, str]]] = {}
        self.seeded: dict[str, dict[str, str]] = {}  # brand -> {normalised alias or model: model}
        for row in read("model_aliases"):
            self.models.setdefault(row["brand"], []).append((row["alias"], row["model"]))
            names = self.seeded.setdefault(row["brand"], {})
            names.setdefault(alias_words(row["alias"]), row["model"])
            names.setdefault(alias_words(row["model"]), row["model"])
        self.sizes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in read("model_sizes"):
            self.sizes.setdefault((row["brand"], row["model"]), []).append((row["alias"], row["size"]))
        self.colors = {row["alias"]: row["color"] for row in read("color_families")}
        self.marketplaces = {row["marketplace"]: row for row in read("marketplaces")}

    @staticmethod
    def _longest(text: str, aliases: list[tuple[str, str]]) -> str | None:
        padded = f" {alias_words(text)} "
        found = [(len(alias), value) for alias, value in aliases if f" {alias} " in padded]
        return max(found)[1] if found else None

    def brand(self, brand: str | None) -> str | None:
        return self.brands.get(alias_words(brand), brand)

    def model(self, brand: str | None, model: str | None) -> str | None:
        return self._longest(model or "", self.models.get(self.brand(brand) or "", [])) or model

    def seeded_model(self, brand: str | None, model: str | None) -> str | None:
        """The seed's model when the whole name is one of the brand's aliases (or seed models);
        None for a model the seeds do not name, even one with a seeded name inside it
        ("Neverfull Pochette" is not the Neverfull)."""
        return self.seeded.get(self.brand(brand) or "", {}).get(alias_words(model))

    def true_model(self, brand: str | None, model: str | None) -> tuple[str | None, str | None]:
        """A truth row's model identity: (brand, the seed's model or else the truth's own name)."""
        return self.brand(brand), self.seeded_model(brand, model) or model

    def size(self, brand: str | None, model: str | None, size: str | None) -> str | None:
        if not size:
            return None
        key = (self.brand(brand) or "", self.model(brand, model) or "")
        return self._longest(size, self.sizes.get(key, [])) or self._longest(size, self.sizes.get(("*", "*"), [])) or size

    def color(self, color: str | None) -> str | None:
        return self.colors.get(alias_words(color), color)


# ------------------------------------------------------------------ scoring


def score(data_dir: Path, *, min_model_sales: int = 20, seeds_dir: Path = SEEDS_DIR) -> ScoreReport:
    data_dir = Path(data_dir)
    canon = Canonicaliser(seeds_dir)
    truth = load_truth(data_dir / "truth")

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        ours = _rows(con, "select * from marts.dim_listing")
        columns = _columns(con, "marts", "dim_listing")
        snapshots = _rows(
            con, "select marketplace, snapshot_date, is_complete from intermediate.int_marketplace_snapshots"
        )
        crawl_counts = _crawl_counts(con)
    finally:
        con.close()
    episodes = load_episodes(data_dir / "truth", truth)
    served_early = _served_early(data_dir / "truth")

    by_marketplace: dict[str, list[dict]] = {}
    for row in ours:
        by_marketplace.setdefault(row["marketplace"], []).append(row)
    days: dict[str, list[dict]] = {}
    for row in snapshots:
        days.setdefault(row["marketplace"], []).append(row)

    grace = DEFAULT_GRACE_DAYS
    results, views = [], {}
    for marketplace in sorted(set(days) | set(by_marketplace)):
        rules = canon.marketplaces.get(marketplace) or canon.marketplaces.get("*", {})  # '*': defaults
        grace = int(rules.get("grace_days") or DEFAULT_GRACE_DAYS)
        result = _score_marketplace(
            marketplace, by_marketplace.get(marketplace, []), days.get(marketplace, []), truth, canon,
            grace, rules.get("sale_signal", "none"), episodes,
        )
        result.crawl_counts = crawl_counts.get(marketplace, dict.fromkeys(CRAWL_COUNT_COLUMNS))
        result.events_served_early = None if served_early is None else served_early.get(marketplace, 0)
        results.append(result)
        if result.first_day and result.last_day:
            views[marketplace] = CrawlerView(
                result.first_day, result.last_day - timedelta(days=grace), result.sale_signal == "all_sales",
                int(rules["consignment_days"]) if rules.get("consignment_days") else None,
                frozenset(d["snapshot_date"] for d in days.get(marketplace, []) if not d["is_complete"]),
            )

    has_keys = "model_key" in columns  # the pipeline's key of a model (absent on older warehouses)
    model_scores = _score_models(ours, truth, views, canon, min_model_sales, has_keys)
    model_keys = _model_keys(ours, truth, canon) if has_keys else None
    return ScoreReport(results, model_scores, grace, model_keys)


def load_truth(truth_dir: Path) -> dict[tuple[str, str], dict]:
    """The sandbox's bags by (marketplace, listing_id), as of its last simulated day."""
    rows = pq.read_table(Path(truth_dir) / "listings.parquet").to_pylist()
    return {(r["marketplace"], r["listing_id"]): r for r in rows if r["is_bag"]}


def load_episodes(truth_dir: Path, truth: dict[tuple[str, str], dict]) -> dict[tuple[str, str], list[tuple]]:
    """The truth's times on sale of its bags: (marketplace, listing_id) -> [(start, end | None)], in order."""
    episodes: dict[tuple[str, str], list[tuple]] = {}
    table = pq.read_table(Path(truth_dir) / "episodes.parquet", columns=["marketplace", "listing_id", "episode_no",
                                                                           "start_date", "end_date"])
    for row in sorted(table.to_pylist(), key=lambda r: r["episode_no"]):
        key = (row["marketplace"], row["listing_id"])
        if key in truth:
            episodes.setdefault(key, []).append((row["start_date"], row["end_date"]))
    return episodes


def _crawl_counts(con) -> dict[str, dict[str, int | None]]:
    """Per marketplace, the manifests' confirmation counts summed (None for a column the warehouse lacks)."""
    columns = _columns(con, "staging", "stg_crawl_manifests")
    if not columns:  # a warehouse built without the manifests' staging: every count is n/a
        return {}
    present = [c for c in CRAWL_COUNT_COLUMNS if c in columns]
    sums = ", ".join(f"coalesce(sum({c}), 0) as {c}" for c in present)
    rows = _rows(con, f"select marketplace{', ' + sums if sums else ''} from staging.stg_crawl_manifests group by marketplace")
    return {r["marketplace"]: {c: (int(r[c]) if c in present else None) for c in CRAWL_COUNT_COLUMNS} for r in rows}


def _served_early(truth_dir: Path) -> dict[str, int] | None:
    """Next-day events a moving sandbox served during each marketplace's crawls (None: a still market)."""
    path = Path(truth_dir) / "served_early.parquet"
    if not path.exists():
        return None
    return dict(Counter(pq.read_table(path, columns=["marketplace"]).column("marketplace").to_pylist()))


def false_end(row: dict, episodes: list[tuple], grace: int) -> bool:
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


def _rows(con, sql: str, parameters: list | None = None) -> list[dict]:
    cursor = con.execute(sql, parameters or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _columns(con, schema: str, table: str) -> set[str]:
    """The table's column names; empty when the warehouse has no such table."""
    sql = "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
    return {row["column_name"] for row in _rows(con, sql, [schema, table])}


def _true_sale(row: dict | None) -> date | None:
    if row and row["end_reason"] == "sold":
        return row["sale_date"]
    return None


def _score_marketplace(marketplace, ours, days, truth, canon, grace, sale_signal, episodes=None) -> MarketplaceScore:
    snapshot_days = sorted(d["snapshot_date"] for d in days)
    first_day = snapshot_days[0] if snapshot_days else None
    last_day = snapshot_days[-1] if snapshot_days else None
    incomplete = {d["snapshot_date"] for d in days if not d["is_complete"]}

    predicted = [r for r in ours if r["status"] == "sold"]
    true_positive = [r for r in predicted if _true_sale(truth.get((marketplace, r["listing_id"])))]
    # dates are scored for sales inside the observed window (a bag already shown sold at the
    # first snapshot was sold before we looked: its date is only an upper bound)
    datable = [r for r in true_positive
               if first_day and _true_sale(truth[(marketplace, r["listing_id"])]) > first_day]
    exact = [r for r in datable if r["sale_date"] == _true_sale(truth[(marketplace, r["listing_id"])])]
    errors = []
    for r in datable:
        t = truth[(marketplace, r["listing_id"])]
        if r["days_to_sell"] is not None:
            errors.append(abs(r["days_to_sell"] - (t["sale_date"] - t["listed_date"]).days))
    # A bag already shown sold at our first look has only an upper bound for its date (the first
    # day), not a date an incomplete snapshot made: it is not counted here, whether day 1 was complete or not.
    false_on_incomplete = sum(
        1 for r in predicted
        if r["sale_date"] in incomplete and r.get("status_rule") != "first_seen_as_sold"
        and _true_sale(truth.get((marketplace, r["listing_id"]))) != r["sale_date"]
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
        if not t:
            continue
        attributes["brand"].append(r["brand"] == canon.brand(t["brand"]))
        seeded = canon.seeded_model(t["brand"], t["model"])
        if seeded is not None:  # a model the seeds do not name has no canonical name to compare with: see model_keys
            attributes["model"].append(r["model"] == seeded)
        attributes["size"].append(r["size"] == canon.size(t["brand"], t["model"], t["size"]))
        attributes["condition"].append(r["condition"] == t["condition"])
        attributes["color"].append(r["color"] == canon.color(t["color"]))

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


def true_days_to_sell_by_model(
    truth: dict[tuple[str, str], dict],
    views: dict[str, CrawlerView],
    canon: Canonicaliser,
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
        key = canon.true_model(t["brand"], t["model"])
        if t["end_reason"] == "sold" and view.in_window(t["end_date"]):
            true_days.setdefault(key, []).append((t["end_date"] - t["listed_date"]).days)
        seen = view.seen_end(t["end_date"], sold=t["end_reason"] == "sold")
        if view.in_window(seen) and view.looks_sold(t["end_reason"], (t["end_date"] - t["listed_date"]).days):
            limit_days.setdefault(key, []).append((seen - t["listed_date"]).days)
    return true_days, limit_days


def _score_models(ours, truth, views: dict[str, CrawlerView], canon, min_model_sales,
                  has_keys: bool = False) -> list[ModelScore]:
    """Median days to sell per true model over the scored window of each marketplace. Ours: the
    seed's model; a model the seeds do not name is found through its listings: the model_key
    most of them got in dim_listing, and our sales under that key."""
    true_days, limit_days = true_days_to_sell_by_model(truth, views, canon)
    our_days: dict[tuple[str, str], list[int]] = {}
    our_days_by_key: dict[str, list[int]] = {}
    key_counts: dict[tuple[str, str], Counter] = {}
    for r in ours:
        t = truth.get((r["marketplace"], r["listing_id"]))
        if has_keys and t is not None and r["model_key"] is not None:
            key_counts.setdefault(canon.true_model(t["brand"], t["model"]), Counter())[r["model_key"]] += 1
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
        seeded = canon.seeded_model(*key) is not None
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


def _model_keys(ours, truth, canon: Canonicaliser) -> list[ModelKeyScore]:
    """For each true model with bags in dim_listing: the model_keys they got, across marketplaces."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in ours:
        t = truth.get((r["marketplace"], r["listing_id"]))
        if t is not None:
            groups.setdefault(canon.true_model(t["brand"], t["model"]), []).append(r)
    scores = []
    for (brand, model), rows in sorted(groups.items()):
        keys = Counter(r["model_key"] for r in rows if r["model_key"] is not None)
        scores.append(ModelKeyScore(
            brand=brand, model=model, seeded=canon.seeded_model(brand, model) is not None, listings=len(rows),
            keys=dict(keys), marketplaces=len({r["marketplace"] for r in rows}),
        ))
    return scores


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Score marts.dim_listing against the sandbox ground truth")
    parser.add_argument("--data-dir", default="data", type=Path)
    args = parser.parse_args(argv)
    report = score(args.data_dir)
    print(report.to_text())
    return 0 if report.passed() else 1


if __name__ == "__main__":
    raise SystemExit(main())
