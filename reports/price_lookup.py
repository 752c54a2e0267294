"""`radar price "<brand model size>" [--condition ...]`: a fuzzy lookup into marts.model_price_guide.

The query is matched (rapidfuzz) against the guide's "brand model size" labels, and "brand model"
for the model's own row; the lookup prints the matched guide rows (one per condition, or the one
asked for) and the latest comparable sales from marts.dim_listing: site, date, price and link.
Every figure printed is a mart column (docs/buyer-tools.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils

from radar.settings import RadarSettings
from transformations.runner import query

CONDITIONS = ("NEW", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR", "UNKNOWN")
MIN_SCORE = 70.0  # below this the query names no model in the guide

LABELS_SQL = """
select distinct brand, model, model_key, size
from marts.model_price_guide
where grain in ('model', 'model_size_condition')
"""
GUIDE_COLUMNS = (
    "condition", "grain", "price_basis", "confidence", "basis_sales_count", "median_sale_price_usd", "p25_sale_price_usd",
    "p75_sale_price_usd", "median_days_to_sell", "sell_through", "active_count", "median_ask_usd", "trend", "trend_pct",
    "value_retention", "as_of_date", "window_start_date",
)


class PriceLookupError(ValueError):
    """The lookup cannot answer (bad condition, no guide, nothing matches); the message says why."""


@dataclass(frozen=True)
class Match:
    brand: str | None
    model: str | None
    model_key: str
    size: str  # 'all': the model's own row
    label: str
    score: float


@dataclass
class PriceAnswer:
    match: Match
    condition: str | None
    guide: list[dict[str, Any]]
    sales: list[dict[str, Any]]
    alternatives: list[Match]


def normalise_condition(condition: str | None) -> str | None:
    if condition is None:
        return None
    value = condition.strip().upper().replace(" ", "_").replace("-", "_")
    if value not in CONDITIONS:
        raise PriceLookupError(f"unknown condition {condition!r}: one of {', '.join(c.lower() for c in CONDITIONS)}")
    return value


def _label(row: dict[str, Any]) -> str:
    parts = [row["brand"], row["model"]] + ([] if row["size"] == "all" else [row["size"]])
    return " ".join(str(p) for p in parts if p)


def match_models(text: str, labels: list[dict[str, Any]], limit: int = 4) -> list[Match]:
    """The guide's labels closest to `text`, best first (rapidfuzz token_sort_ratio, 0-100)."""
    choices = {i: _label(row) for i, row in enumerate(labels)}
    found = process.extract(text, choices, scorer=fuzz.token_sort_ratio, processor=utils.default_process, limit=limit)
    return [Match(labels[i]["brand"], labels[i]["model"], labels[i]["model_key"], labels[i]["size"], label, score)
            for label, score, i in found]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def lookup(settings: RadarSettings, text: str, condition: str | None = None, sales_limit: int = 10) -> PriceAnswer:
    wanted = normalise_condition(condition)
    if not text.strip():
        raise PriceLookupError("say which bag, e.g. radar price \"Chanel Classic Flap Medium\"")
    try:
        columns, values = query(settings, LABELS_SQL)
    except Exception as error:  # no warehouse or no guide yet: said plainly, the engine's text kept
        raise PriceLookupError(f"the price guide cannot be read ({type(error).__name__}: {error}); "
                               "run `radar transform` (or `radar demo`) first") from error
    labels = [dict(zip(columns, row)) for row in values]
    if not labels:
        raise PriceLookupError("the price guide is empty: no sales in its window yet")
    matches = match_models(text, labels)
    best = matches[0]
    if best.score < MIN_SCORE:
        raise PriceLookupError(f"no model in the guide matches {text!r}; closest: "
                               + "; ".join(f"{m.label} ({m.score:.0f})" for m in matches))
    where = f"model_key = {_literal(best.model_key)} and size = {_literal(best.size)} and color = 'all'"
    if best.size == "all":
        where += " and grain in ('model', 'model_condition')"
    if wanted:
        conditions = f"{_literal(wanted)}, 'all'" if best.size == "all" else _literal(wanted)
        where += f" and condition in ({conditions})"
    columns, values = query(settings, f"select {', '.join(GUIDE_COLUMNS)} from marts.model_price_guide where {where} "
                                      "order by grain desc, condition")
    guide = [dict(zip(columns, row)) for row in values]
    if wanted and best.size == "all":
        guide = [g for g in guide if g["condition"] == wanted] or guide
    sold = f"status = 'sold' and model_key = {_literal(best.model_key)}"
    if best.size != "all":
        sold += f" and coalesce(size, 'Unknown') = {_literal(best.size)}"
    if wanted:
        sold += f" and coalesce(condition, 'UNKNOWN') = {_literal(wanted)}"
    columns, values = query(settings, "select marketplace, sale_date, sale_price_usd, size, condition, url "
                                      f"from marts.dim_listing where {sold} "
                                      f"order by sale_date desc, listing_key limit {int(sales_limit)}")
    sales = [dict(zip(columns, row)) for row in values]
    return PriceAnswer(best, wanted, guide, sales, matches[1:])


def _money(value: Any) -> str:
    return "-" if value is None else f"${float(value):,.0f}"


def _share(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0%}"


def _change(value: Any) -> str:
    return "-" if value is None else f"{float(value):+.1%}"


def render(answer: PriceAnswer) -> str:
    m = answer.match
    lines = [f"{m.label}  ({m.model_key}, size {m.size}; match {m.score:.0f}/100)"]
    if not answer.guide:
        lines.append(f"  no guide row for condition {answer.condition}" if answer.condition else "  no guide row")
    for g in answer.guide:
        basis = "" if g["price_basis"] == g["grain"] else f", priced from its {g['price_basis'].replace('_', ' x ')} row"
        lines += [
            f"  condition {g['condition']}: median {_money(g['median_sale_price_usd'])} "
            f"(IQR {_money(g['p25_sale_price_usd'])}-{_money(g['p75_sale_price_usd'])}), "
            f"{g['basis_sales_count']} sales {g['window_start_date']}..{g['as_of_date']}, confidence {g['confidence']}{basis}",
            f"    days to sell {g['median_days_to_sell'] if g['median_days_to_sell'] is not None else '-'}, "
            f"sell-through {_share(g['sell_through'])}, "
            f"on sale now {g['active_count']} (median ask {_money(g['median_ask_usd'])}), "
            f"12-week trend {g['trend']} ({_change(g['trend_pct'])}), "
            f"value retention {_share(g['value_retention'])}",
        ]
    lines.append(f"Latest comparable sales ({len(answer.sales)}):")
    lines.append(f"  {'site':<14}{'date':<12}{'price':>10}  {'size':<18}{'condition':<11}link")
    for s in answer.sales:
        lines.append(f"  {s['marketplace']:<14}{s['sale_date']!s:<12}{_money(s['sale_price_usd']):>10}  "
                     f"{s['size'] or '-':<18}{s['condition'] or '-':<11}{s['url'] or '-'}")
    if answer.alternatives:
        lines.append("Also close: " + "; ".join(a.label for a in answer.alternatives))
    return "\n".join(lines)
