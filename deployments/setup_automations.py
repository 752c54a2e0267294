"""Automations that post to the `radar-alerts` Slack block, run by the Prefect server itself.

The flows' own on_failure hooks run inside the flow process: they cannot report a run whose
process died, a run that hangs, or a run no worker ever picks up. These can:

- `radar: flow run failed or crashed`: a run of one of our flows entered Failed or Crashed
  and its own hook did not report it to Slack within RADAR_ALERT_HOOK_GRACE_SECONDS (120).
  The hook's message is the detailed one; it emits `radar.alert.posted` once delivered, and
  this safety net stays quiet, so one failure is one post;
- `radar: flow run stuck in Running`: Running for longer than RADAR_ALERT_RUNNING_HOURS (4);
- `radar: flow run stuck in Pending`: Pending (handed to a worker, not started) for longer
  than RADAR_ALERT_PENDING_MINUTES (30);
- `radar: work pool not ready`: no worker has polled the radar-process pool lately.

Run after deployments.setup_blocks (it needs the Slack block):
`PREFECT_API_URL=... python -m deployments.setup_automations`. Idempotent: an automation
with the same name is updated in place, and any duplicates of it are deleted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from deployments import FLOW_NAMES, SLACK_BLOCK, WORK_POOL
from deployments.setup_blocks import require_api_url
from flows.alerts import ALERT_POSTED_EVENT

Say = Callable[[str], None]

TAG = "resale-radar"
TERMINAL_EVENTS = {
    f"prefect.flow-run.{state}"
    for state in ("Completed", "Failed", "Crashed", "Cancelled", "Cancelling", "Paused", "Suspended", "AwaitingRetry")
}
# Only runs of our flows: flow-run events carry their flow as a related resource.
OUR_FLOWS = {"prefect.resource.role": "flow", "prefect.resource.name": FLOW_NAMES}

# Only what cannot carry a secret: names, the state's name and time, a link or the run id. Never the
# state message or the parameters, which can hold what a user typed (an error's text, a URL); the
# flow's own hook posts the detailed message, and the run's page has the rest.
RUN_DETAILS = """Flow: {{ flow.name }}{% if deployment %} (deployment {{ deployment.name }}){% endif %}
Run: {{ flow_run.name }}
State: {{ flow_run.state.name }} at {{ flow_run.state.timestamp }}
{% if flow_run|ui_url %}Link: {{ flow_run|ui_url }}{% else %}Flow run id: {{ flow_run.id }}{% endif %}"""


def _threshold(name: str, default: float, unit: timedelta) -> timedelta:
    """A stuck-run threshold from the environment; Prefect's proactive triggers need at least 10 s."""
    value = os.environ.get(name)
    try:
        number = float(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {value!r}") from None
    if number * unit < timedelta(seconds=10):
        raise SystemExit(f"{name} must be at least 10 seconds' worth, got {value!r}")
    return number * unit


def desired_automations(slack_block_id: UUID) -> list:
    """The automations this project wants, as prefect.automations objects."""
    from prefect.automations import AutomationCore, EventTrigger, Posture, SendNotification

    running_within = _threshold("RADAR_ALERT_RUNNING_HOURS", 4, timedelta(hours=1))
    pending_within = _threshold("RADAR_ALERT_PENDING_MINUTES", 30, timedelta(minutes=1))
    hook_grace = _threshold("RADAR_ALERT_HOOK_GRACE_SECONDS", 120, timedelta(seconds=1))
    running_hours = running_within / timedelta(hours=1)
    pending_minutes = pending_within / timedelta(minutes=1)

    def notify(subject: str, body: str) -> SendNotification:
        return SendNotification(block_document_id=slack_block_id, subject=subject, body=body)

    def unanswered(after: set[str], expect: set[str], within: timedelta) -> EventTrigger:
        """Fires for a run of our flows that emitted one of `after` and none of `expect` within `within`."""
        return EventTrigger(
            after=after,
            expect=expect,
            for_each={"prefect.resource.id"},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=OUR_FLOWS,
            posture=Posture.Proactive,
            threshold=1,
            within=within,
        )

    def stuck_in(state: str, leaving_events: set[str], within: timedelta, limit: str, description: str) -> AutomationCore:
        """A run that entered `state` and saw none of `leaving_events` within the limit."""
        return AutomationCore(
            name=f"radar: flow run stuck in {state}",
            description=description,
            tags=[TAG],
            trigger=unanswered({f"prefect.flow-run.{state}"}, leaving_events, within),
            actions=[notify(f"Resale Radar: {{{{ flow.name }}}} stuck in {state}",
                            f":hourglass: Prefect automation: a run has been {state} for over {limit}\n" + RUN_DETAILS)],
        )

    return [
        AutomationCore(
            name="radar: flow run failed or crashed",
            description="A Resale Radar run ended Failed or Crashed and its own hook did not report it "
                        "(a crash, a killed process or Slack unreachable from the worker).",
            tags=[TAG],
            trigger=unanswered({"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}, {ALERT_POSTED_EVENT}, hook_grace),
            actions=[notify("Resale Radar: {{ flow.name }} {{ flow_run.state.name }}",
                            ":red_circle: Prefect automation: a run ended {{ flow_run.state.name }} and its flow "
                            "could not report it\n" + RUN_DETAILS)],
        ),
        stuck_in("Running", TERMINAL_EVENTS, running_within, f"{running_hours:g} h",
                 f"A Resale Radar run has been Running for more than {running_hours:g} h."),
        stuck_in("Pending", {"prefect.flow-run.Running"} | TERMINAL_EVENTS, pending_within, f"{pending_minutes:g} min",
                 f"A Resale Radar run was handed to a worker but has not started within {pending_minutes:g} min."),
        AutomationCore(
            name="radar: work pool not ready",
            description=f"No worker is polling the {WORK_POOL} work pool: scheduled runs will go Late.",
            tags=[TAG],
            trigger=EventTrigger(
                expect={"prefect.work-pool.not-ready"},
                match={"prefect.resource.name": WORK_POOL},
                posture=Posture.Reactive,
                threshold=1,
                within=timedelta(0),
            ),
            actions=[notify("Resale Radar: work pool not ready",
                            f":warning: Prefect automation: no worker is polling the {WORK_POOL} work pool; "
                            "start one (docs/operations.md).")],
        ),
    ]


def slack_block_id() -> UUID | None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect_slack import SlackWebhook

    with get_client(sync_client=True) as client:
        try:
            return client.read_block_document_by_name(name=SLACK_BLOCK, block_type_slug=SlackWebhook.get_block_type_slug()).id
        except ObjectNotFound:
            return None


def apply_automations(automations: list, say: Say) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for automation in automations:
            existing = sorted(client.read_automations_by_name(automation.name), key=lambda a: str(a.id))
            if not existing:
                client.create_automation(automation)
                say(f"created automation {automation.name!r}")
                continue
            keep, *duplicates = existing
            client.update_automation(keep.id, automation)
            for duplicate in duplicates:
                client.delete_automation(duplicate.id)
            say(f"updated automation {automation.name!r}" + (f" (deleted {len(duplicates)} duplicate(s))" if duplicates else ""))


def main(say: Say = print) -> int:
    require_api_url()
    block_id = slack_block_id()
    if block_id is None:
        say(f"skipped automations: no slack-webhook block {SLACK_BLOCK!r} "
            "(set RADAR_SLACK_WEBHOOK_URL and run deployments.setup_blocks)")
        return 0
    apply_automations(desired_automations(block_id), say)
    return 0


if __name__ == "__main__":
    sys.exit(main())
