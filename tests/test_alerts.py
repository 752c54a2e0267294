import json

import pytest

from flows.alerts import failure_message, incomplete_crawl_message
from flows.slack import post_to_slack
from radar.settings import get_settings
from tests.prefect_fixtures import SlackReceiver as _SlackReceiver


class SlackReceiver(_SlackReceiver):
    """The one stand-in for Slack's webhook endpoint on 127.0.0.1 (tests/prefect_fixtures.py),
    listening once created; `close()` stops it."""

    def __init__(self) -> None:
        super().__init__()
        self.start()

    def close(self) -> None:
        self.stop()


@pytest.fixture
def slack(monkeypatch):
    receiver = SlackReceiver()
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", receiver.url)
    monkeypatch.setattr("flows.slack.SLACK_BLOCK_NAME", "no-such-block-in-tests")
    get_settings.cache_clear()
    yield receiver
    receiver.close()
    get_settings.cache_clear()


def test_incomplete_crawl_warning_names_the_marketplace_and_the_numbers(slack):
    assert post_to_slack(*incomplete_crawl_message("rebag", "2026-09-03", 812, 4031, ["shard chanel page 2 missing"]))
    message = json.dumps(slack.messages[0])
    assert "rebag" in message and "812" in message and "4031" in message and "chanel page 2" in message


def test_failure_message_has_flow_date_step_error_and_link(slack):
    text, fields = failure_message("daily-market-snapshot", "http://127.0.0.1:4200/runs/flow-run/abc", "crawl failed: boom",
                                   date="2026-09-03", marketplace="vsp", step="crawl")
    post_to_slack(text, fields)
    message = json.dumps(slack.messages[0])
    for expected in ("daily-market-snapshot", "2026-09-03", "vsp", "crawl failed: boom", "/runs/flow-run/abc"):
        assert expected in message


def test_an_unreachable_webhook_never_raises_and_never_logs_the_secret(monkeypatch, caplog):
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/services/T000/B000/secret-token")
    monkeypatch.setattr("flows.slack.SLACK_BLOCK_NAME", "no-such-block-in-tests")
    get_settings.cache_clear()
    assert post_to_slack("hello") is False
    assert "secret-token" not in caplog.text
    get_settings.cache_clear()


def test_the_webhook_secret_does_not_print_in_settings(monkeypatch):
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/services/T000/B000/secret-token")
    get_settings.cache_clear()
    assert "secret-token" not in repr(get_settings()) and "secret-token" not in str(get_settings())
    get_settings.cache_clear()


def test_daily_digest_posts_the_weeks_top_movers(slack, tmp_path, monkeypatch):
    from datetime import date

    import duckdb

    from flows.daily import post_daily_digest

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.kpi_model_trends (week_start date, brand varchar, model varchar, trend varchar,"
            " sold_count bigint, sold_count_wow_pct double, median_sold_price_wow_pct double)")
        connection.execute("""insert into marts.kpi_model_trends values
            ('2026-09-07', 'Christian Dior', 'Saddle', 'rising', 12, 0.5, 0.02),
            ('2026-09-07', 'Gucci', 'Dionysus', 'cooling', 3, -0.4, -0.05),
            ('2026-09-07', 'Chanel', 'Classic Flap', 'steady', 30, 0.01, 0.0),
            ('2026-08-31', 'Fendi', 'Baguette', 'rising', 9, 0.9, 0.1)""")
        connection.execute(  # marts.deals (issue 15) with no deal today
            "create table marts.deals (deal_rank bigint, marketplace varchar, brand varchar, model varchar, size varchar,"
            " condition varchar, ask_usd double, buy_cost_usd double, guide_price_usd double, expected_margin_usd double,"
            " expected_margin_pct double, expected_days_to_sell integer, guide_confidence varchar, url varchar)")
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(warehouse))
    get_settings.cache_clear()
    assert post_daily_digest.fn(date(2026, 9, 8)) == 2
    text = slack.messages[0]["text"]
    assert "Saddle" in text and "+50%" in text and "Dionysus" in text
    assert "Classic Flap" not in text and "Baguette" not in text  # steady, and last week's
    assert "No deals below the price guide today." in text


@pytest.mark.parametrize("delivered", [True, False])
def test_the_failure_hook_tells_the_server_only_when_slack_got_the_alert(monkeypatch, delivered):
    """The server's safety-net automation stays quiet only for a run whose own alert arrived."""
    from types import SimpleNamespace
    from uuid import uuid4

    import flows.daily as daily

    posted, recorded = [], []
    monkeypatch.setattr(daily, "post_to_slack", lambda text, fields: posted.append((text, fields)) or delivered)
    monkeypatch.setattr(daily, "record_alert_posted", lambda *args: recorded.append(args))
    run = SimpleNamespace(id=uuid4(), flow_id=uuid4(), parameters={"start_date": "2026-09-02"})
    daily._notify_failure(SimpleNamespace(name="rebuild-marts"), run, SimpleNamespace(message="audit failed: boom"))
    assert posted and posted[0][1]["date"] == "2026-09-02" and posted[0][1]["step"] == "transform"
    assert recorded == ([("rebuild-marts", run.id, run.flow_id)] if delivered else [])
