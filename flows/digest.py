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
            parts.append(f"{row['share_without_seed_alias']:.1%} without a seed alias (threshold {row['max_share_without_seed_alias']:.0%})")
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


def top_movers_digest(snapshot_date: str, movers: list[dict[str, Any]],
                      report_link: str | None = None) -> tuple[str, dict[str, Any]]:
    if not movers:
        return (f":bar_chart: Resale Radar {snapshot_date}: no rising or cooling models this week."
                + report_line(report_link)), {}
    lines = [
        f"{'▲' if m['trend'] == 'rising' else '▼'} {m['brand']} {m['model']}: {m['sold_count']} sold"
        + (f" ({m['sold_count_wow_pct']:+.0%} week on week)" if m["sold_count_wow_pct"] is not None else "")
        for m in movers
    ]
    return f":bar_chart: Resale Radar {snapshot_date}: top movers\n" + "\n".join(lines) + report_line(report_link), {}
