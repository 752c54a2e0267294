"""Alerts about a run: its failure (the flows' on_failure hook posts it) and an incomplete crawl.

The Slack transport is flows/slack.py; the daily digest and the model-coverage warning are
flows/digest.py.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# Emitted once a flow's own hook has posted its failure; the server's safety-net automation
# (deployments/setup_automations.py) waits for it and stays quiet, so one failure is one post.
ALERT_POSTED_EVENT = "radar.alert.posted"


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
    except Exception as error:  # noqa: BLE001 - no server: nothing to tell
        log.warning("could not record the posted alert: %s", type(error).__name__)


def failure_message(flow_name: str, run_url: str | None, error: str, **context: Any) -> tuple[str, dict[str, Any]]:
    text = f":red_circle: *{flow_name}* failed: {error}"
    return text, {**context, "error": error[:1500], "run": run_url}


def incomplete_crawl_message(
    marketplace: str, snapshot_date: str, item_count: int, expected: int | None, reasons: list[str]
) -> tuple[str, dict[str, Any]]:
    figure = f"{item_count} items" + (f" of {expected} expected" if expected else "")
    text = (f":warning: {marketplace} snapshot for {snapshot_date} is incomplete ({figure}); "
            "no sales will be inferred from it.")
    return text, {"marketplace": marketplace, "date": snapshot_date, "items": item_count, "expected": expected,
                  "reasons": "; ".join(reasons)[:1500]}
