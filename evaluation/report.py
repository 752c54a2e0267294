"""The score as text: `render(report)` prints each section of `SECTIONS` in order, then the
failing thresholds (ScoreReport.failures) and PASS or FAIL.

A new score adds its figures to ScoreReport (evaluation/scoring.py: a field, default None, and
its thresholds in failures()) and its text here: a function ScoreReport -> lines (starting with
an empty line), appended to SECTIONS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from evaluation.metrics import CRAWL_COUNT_COLUMNS, MODEL_COVERAGE_TARGET

if TYPE_CHECKING:
    from evaluation.scoring import ScoreReport

Section = Callable[["ScoreReport"], list[str]]


def sales_lines(report: ScoreReport) -> list[str]:
    """Per marketplace: sales, their dates, attributes and model coverage."""
    lines = [
        f"Sales vs ground truth (recall counts sales >= {report.grace_days} days before the last snapshot)",
        f"{'marketplace':<14}{'signal':<12}{'bags':>7}{'sold':>7}{'precision':>11}{'target':>8}"
        f"{'recall':>9}{'date ok':>9}{'dts MAE':>9}{'bad@incompl':>12}{'model ok':>10}{'size ok':>9}"
        f"{'model cov':>11}",
    ]
    for m in report.marketplaces:
        lines.append(
            f"{m.marketplace:<14}{m.sale_signal:<12}{m.listings:>7}{m.predicted_sales:>7}"
            f"{fmt(m.precision):>11}{m.precision_target:>8.2f}{fmt(m.recall):>9}"
            f"{fmt(m.exact_sale_date_share):>9}{fmt(m.days_to_sell_mae):>9}"
            f"{m.false_sales_on_incomplete_days:>12}{fmt(m.attribute_accuracy.get('model')):>10}"
            f"{fmt(m.attribute_accuracy.get('size')):>9}{fmt(m.model_coverage):>11}"
        )
    lines += [f"('model ok': bags whose true model the seeds name; 'model cov': bags with a model, target "
              f"{MODEL_COVERAGE_TARGET:.2f}; overall {fmt(report.model_coverage)})"]
    return lines


def moving_market_lines(report: ScoreReport) -> list[str]:
    """Live-site moves: false ends, events served early and the crawls' confirmations."""
    headers = ("met early", "false sold", "false wdrn", "shifts", "refetched", "recovered", "gone conf",
               "sold conf", "conf fail")
    lines = ["", "Live-site moves: bags ended in our marts but still on sale in the truth ('false sold', "
                 "'false wdrn': target 0),",
             "next-day events the crawls met early, and the crawls' confirmations (manifests; n/a: no such column)",
             f"{'marketplace':<14}" + "".join(f"{h:>11}" for h in headers)]
    for m in report.marketplaces:
        counts = [m.crawl_counts.get(c) for c in CRAWL_COUNT_COLUMNS]
        values = [m.events_served_early, m.false_sales_from_shifts, m.false_withdrawals_from_shifts, *counts]
        lines.append(f"{m.marketplace:<14}" + "".join(f"{'n/a' if v is None else v:>11}" for v in values))
    return lines


def model_key_lines(report: ScoreReport) -> list[str]:
    """One model_key per true model: the share, the split models and the shared keys."""
    if report.model_keys is None:
        return ["", "One key per true model: - (marts.dim_listing has no model_key)"]
    total = len(report.model_keys)
    one = sum(1 for k in report.model_keys if k.one_key)
    lines = ["", f"One key per true model: {one}/{total} = {fmt(report.one_key_share())} of the true models "
                 f"got exactly one model_key across their listings and marketplaces "
                 f"(seeded {fmt(report.one_key_share(True))}, not in the seeds {fmt(report.one_key_share(False))})"]
    split = report.split_models()
    if split:
        lines.append("split over several keys or none (true model -> model_key: listings):")
        for k in split:
            keys = ", ".join(f"{key} {n}" for key, n in sorted(k.keys.items(), key=lambda kv: -kv[1]))
            lines.append(f"  {k.brand} {k.model}{'' if k.seeded else ' *'} ({k.listings} listings, "
                         f"{k.marketplaces} marketplaces) -> {keys or '-'}"
                         + (f", no key {k.without_key}" if k.without_key else ""))
    shared = report.shared_keys()
    if shared:
        lines.append("keys shared by several true models (model_key <- true model: listings):")
        for key, models in shared:
            lines.append(f"  {key} <- " + ", ".join(f"{m} {n}" for m, n in sorted(models.items(), key=lambda kv: -kv[1])))
    return lines


def days_to_sell_lines(report: ScoreReport) -> list[str]:
    """Median days to sell per model: ours, the truth's and a flawless pipeline's."""
    if not report.models:
        return []
    lines = ["", "Median days to sell per model (models with enough true sales; 'limit': what a flawless",
             "pipeline reports, counting the withdrawals no crawler can tell from sales)",
             "(ours: by the seed's model; '*' a model the seeds do not name, by the key most of its listings got)",
             f"{'brand':<18}{'model':<44}{'true n':>7}{'our n':>7}{'truth':>8}{'ours':>8}{'error':>8}"
             f"{'limit':>8}{'lim err':>8}"]
    for s in report.models:
        name = s.model if s.seeded else f"*{s.model} ({s.model_key or 'no key'})"
        lines.append(
            f"{s.brand:<18}{name:<44}{s.true_sales:>7}{s.predicted_sales:>7}"
            f"{s.true_median_days:>8.1f}{fmt(s.predicted_median_days, 1):>8}{fmt(s.error_days, 1):>8}"
            f"{fmt(s.limit_median_days, 1):>8}{fmt(s.limit_error_days, 1):>8}"
        )
    ours, limit, total = report.models_within(1)
    exact = sum(1 for s in report.models if s.off_limit_days == 0)
    lines += [f"within 1 day of the truth: ours {ours}/{total}, flawless pipeline {limit}/{total};"
              f" ours equal to the flawless pipeline's: {exact}/{total}"]
    for seeded, label in ((True, "models the seeds name"), (False, "models the seeds do not name")):
        ours, limit, total = report.models_within(1, seeded)
        if total:
            lines.append(f"  {label}: ours {ours}/{total}, flawless pipeline {limit}/{total}")
    return lines


def price_guide_section(report: ScoreReport) -> list[str]:
    """Issue 15: the price guide's error against the true median sale prices, and the deals (evaluation/price_guide.py)."""
    from evaluation.price_guide import price_guide_lines

    return price_guide_lines(report.price_guide)


# The report's sections, in print order.
SECTIONS: list[Section] = [sales_lines, price_guide_section, moving_market_lines, model_key_lines, days_to_sell_lines]


def render(report: ScoreReport, sections: list[Section] | None = None) -> str:
    lines: list[str] = []
    for section in SECTIONS if sections is None else sections:
        lines += section(report)
    lines.append("")
    lines += [f"- {problem}" for problem in report.failures()]
    lines.append("PASS" if report.passed() else "FAIL")
    return "\n".join(lines)


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
