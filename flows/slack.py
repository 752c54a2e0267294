"""Slack transport: the webhook, masking, and the post itself.

The webhook comes from the `prefect_slack.SlackWebhook` block named `radar-alerts`, else from
RADAR_SLACK_WEBHOOK_URL. With neither, messages go to the log only. The URL is a secret: it is
never logged, and messages never include settings. RADAR_SLACK_WEBHOOK_URL is read on its own
(radar.settings.slack_webhook_setting), so a run stopped by another bad setting is still reported.

What is posted is built elsewhere: flows/alerts.py (failures, incomplete crawls), flows/digest.py
(the daily digest and the model-coverage warning).
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


def slack_webhook_url() -> str | None:
    try:
        from prefect_slack import SlackWebhook

        block = SlackWebhook.load(SLACK_BLOCK_NAME, _sync=True)
        return block.url.get_secret_value()
    except Exception:  # noqa: BLE001 - no server, no block, or no such block type registered: fall back to the environment
        pass
    try:
        secret = slack_webhook_setting()  # not get_settings(): the alert may be about another setting being invalid
    except Exception as error:  # noqa: BLE001 - never raise from an alert path; the type only (a message could hold the value)
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


def _blocks(text: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if fields:
        blocks.append(
            {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields.items() if v is not None]}
        )
    return blocks
