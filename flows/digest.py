"""The daily digest and the model-coverage warning: the mart queries behind them and their Slack text.

The flow's tasks (flows/daily.py post_daily_digest, warn_on_model_coverage) run the queries and
post the text through flows/slack.py.
"""

from __future__ import annotations

from typing import Any

MODEL_COVERAGE_SQL = """
select marketplace, listings_seen, share_without_seed_alias, max_share_without_seed_alias,
       share_without_model, max_share_without_model
from marts.data_health_daily
where snapshot_date = date '{day}'
  and (share_without_seed_alias > max_share_without_seed_alias or share_without_model > max_share_without_model)
order by marketplace
"""


def model_coverage_message(snapshot_date: str, rows: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A warning for the marketplaces whose bags lack a model (or a seed alias) above their thresholds."""
    lines = []
    for row in rows:
        parts = []
        if row["share_without_model"] is not None and row["share_without_model"] > row["max_share_without_model"]:
            parts.append(f"{row['share_without_model']:.1%} without a model (threshold {row['max_share_without_model']:.0%})")
        if row["share_without_seed_alias"] is not None and row["share_without_seed_alias"] > row["max_share_without_seed_alias"]:
            parts.append(f"{row['share_without_seed_alias']:.1%} without a seed alias "
                         f"(threshold {row['max_share_without_seed_alias']:.0%})")
        lines.append(f"{row['marketplace']} ({row['listings_seen']} bags): " + "; ".join(parts))
    text = (f":warning: Model coverage on {snapshot_date}: per-model figures miss these bags.\n" + "\n".join(lines)
            + "\nRun `radar catalogue` and add the top aliases to transformations/seeds/model_aliases.csv.")
    return text, {"date": snapshot_date}


TOP_MOVERS_SQL = """
select brand, model, trend, sold_count, sold_count_wow_pct, median_sold_price_wow_pct
from marts.kpi_model_trends
where week_start = (select max(week_start) from marts.kpi_model_trends)
  and trend in ('rising', 'cooling')
order by abs(coalesce(sold_count_wow_pct, 0)) desc, sold_count desc
limit {limit}
"""


def report_line(report_link: str | None) -> str:
    """The digest's link to the week's report: a Slack link for a URL (S3, presigned), the path locally."""
    if not report_link:
        return ""
    if report_link.startswith(("https://", "http://")):
        return f"\n:page_facing_up: <{report_link}|This week's report> (link valid 7 days)"
    return f"\n:page_facing_up: This week's report: {report_link}"


# issue 15: the day's best deals across sites (marts.deals, ranked by expected margin, then days to sell)
TOP_DEALS_SQL = """
select deal_rank, marketplace, brand, model, size, condition, ask_usd, buy_cost_usd, guide_price_usd,
       expected_margin_usd, expected_margin_pct, expected_days_to_sell, guide_confidence, url
from marts.deals
where deal_rank <= {limit}
order by deal_rank
"""


def deals_lines(deals: list[dict[str, Any]] | None) -> str:
    """The digest's deals: each with its site, price after fees, the guide's price, margin, days to sell and link."""
    if deals is None:
        return ""
    if not deals:
        return "\n:moneybag: No deals below the price guide today."
    lines = [
        f"{d['deal_rank']}. {' '.join(str(p) for p in (d['brand'], d['model'], d['size'], d['condition']) if p)} "
        f"on {d['marketplace']}: ${float(d['buy_cost_usd']):,.0f} with fees vs guide ${float(d['guide_price_usd']):,.0f} "
        f"(margin ${float(d['expected_margin_usd']):,.0f}, {float(d['expected_margin_pct']):.0%}; "
        f"sells in ~{d['expected_days_to_sell'] if d['expected_days_to_sell'] is not None else '?'} days; "
        f"confidence {d['guide_confidence']}) {d['url'] or ''}".rstrip()
        for d in deals
    ]
    return "\n:moneybag: Deals below the price guide:\n" + "\n".join(lines)


def top_movers_digest(snapshot_date: str, movers: list[dict[str, Any]],
                      report_link: str | None = None,
                      deals: list[dict[str, Any]] | None = None) -> tuple[str, dict[str, Any]]:
    if not movers:
        return (f":bar_chart: Resale Radar {snapshot_date}: no rising or cooling models this week."
                + deals_lines(deals) + report_line(report_link)), {}
    lines = [
        f"{'▲' if m['trend'] == 'rising' else '▼'} {m['brand']} {m['model']}: {m['sold_count']} sold"
        + (f" ({m['sold_count_wow_pct']:+.0%} week on week)" if m["sold_count_wow_pct"] is not None else "")
        for m in movers
    ]
    text = f":bar_chart: Resale Radar {snapshot_date}: top movers\n" + "\n".join(lines)
    return text + deals_lines(deals) + report_line(report_link), {}
