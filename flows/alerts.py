"""Slack alerts: failures, incomplete crawls and an optional digest.

The webhook comes from the `prefect_slack.SlackWebhook` block named `radar-alerts`, else from
RADAR_SLACK_WEBHOOK_URL. With neither, alerts go to the log only. The URL is a secret: it is
never logged, and messages never include settings. RADAR_SLACK_WEBHOOK_URL is read on its own
(radar.settings.slack_webhook_setting), so a run stopped by another bad setting is still reported.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from typing import Any

from radar.settings import SLACK_BLOCK, slack_webhook_setting

log = logging.getLogger(__name__)

SLACK_BLOCK_NAME = SLACK_BLOCK
# Emitted once a flow's own hook has posted its failure; the server's safety-net automation
# (deployments/setup_automations.py) waits for it and stays quiet, so one failure is one post.
ALERT_POSTED_EVENT = "radar.alert.posted"


def slack_webhook_url() -> str | None:
    try:
        from prefect_slack import SlackWebhook

        block = SlackWebhook.load(SLACK_BLOCK_NAME, _sync=True)
        return block.url.get_secret_value()
    except Exception:  # no server, no block, or no such block type registered: fall back to the environment
        pass
    try:
        secret = slack_webhook_setting()  # not get_settings(): the alert may be about another setting being invalid
    except Exception as error:  # never raise from an alert path; the type only (a message could hold the value)
        log.error("RADAR_SLACK_WEBHOOK_URL could not be read: %s", type(error).__name__)
        return None
    return secret.get_secret_value() if secret else None


# `user:password@` in any URL inside a message (an error's text can quote one): replaced by `***@`.
_URL_CREDENTIALS = re.compile(r"(?<=://)[^\s/?#@'\"]+@")


def without_url_credentials(text: str) -> str:
    return _URL_CREDENTIALS.sub("***@", text)


def post_to_slack(text: str, fields: dict[str, Any] | None = None) -> bool:
    """Post a message; returns whether it was delivered. Never raises: an alert must not fail a run.
    Credentials in URLs quoted by the message are masked first (a second net: settings and crawl
    targets already refuse or hide them)."""
    text = without_url_credentials(text)
    fields = {k: without_url_credentials(v) if isinstance(v, str) else v for k, v in (fields or {}).items()}
    url = slack_webhook_url()
    if not url:
        log.warning("Slack alert not sent (no webhook configured): %s", text)
        return False
    payload = {"text": text, "blocks": _blocks(text, fields)}
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return 200 <= response.status < 300
    except OSError as error:
        log.error("Slack alert could not be delivered: %s", type(error).__name__)  # the error text may hold the URL
        return False


def record_alert_posted(flow_name: str, flow_run_id: Any, flow_id: Any) -> None:
    """Tell the Prefect server that this run's failure reached Slack. Never raises: if the event
    is lost, the automation posts too (a duplicate, never a silence)."""
    try:
        from prefect.events import emit_event

        emit_event(
            event=ALERT_POSTED_EVENT,
            resource={"prefect.resource.id": f"prefect.flow-run.{flow_run_id}"},
            # the automation only watches runs related to one of our flows
            related=[{"prefect.resource.id": f"prefect.flow.{flow_id}", "prefect.resource.role": "flow",
                      "prefect.resource.name": flow_name}],
        )
    except Exception as error:  # no server: nothing to tell
        log.warning("could not record the posted alert: %s", type(error).__name__)


def _blocks(text: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if fields:
        blocks.append(
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields.items() if v is not None]}
        )
    return blocks


def failure_message(flow_name: str, run_url: str | None, error: str, **context: Any) -> tuple[str, dict[str, Any]]:
    text = f":red_circle: *{flow_name}* failed: {error}"
    return text, {**context, "error": error[:1500], "run": run_url}


def incomplete_crawl_message(marketplace: str, snapshot_date: str, item_count: int, expected: int | None, reasons: list[str]) -> tuple[str, dict[str, Any]]:
    figure = f"{item_count} items" + (f" of {expected} expected" if expected else "")
    text = f":warning: {marketplace} snapshot for {snapshot_date} is incomplete ({figure}); no sales will be inferred from it."
    return text, {"marketplace": marketplace, "date": snapshot_date, "items": item_count, "expected": expected, "reasons": "; ".join(reasons)[:1500]}


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


def top_movers_digest(snapshot_date: str, movers: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    if not movers:
        return f":bar_chart: Resale Radar {snapshot_date}: no rising or cooling models this week.", {}
    lines = [
        f"{'▲' if m['trend'] == 'rising' else '▼'} {m['brand']} {m['model']}: {m['sold_count']} sold"
        + (f" ({m['sold_count_wow_pct']:+.0%} week on week)" if m["sold_count_wow_pct"] is not None else "")
        for m in movers
    ]
    return f":bar_chart: Resale Radar {snapshot_date}: top movers\n" + "\n".join(lines), {}

