"""Planted secrets never leave their variables (issue 11, finding 4).

Unique random strings are planted in RADAR_TRINO_URL's password, RADAR_TRINO_PASSWORD, the path of
RADAR_SLACK_WEBHOOK_URL and AWS_SECRET_ACCESS_KEY. Then, against a real Prefect server:

1. `radar run` with an invalid RADAR_TRINO_URL (it carries the password) fails at start; the daily
   flow, run as a deployment runs it, fails at start too, and its failure hook still posts the
   alert to Slack, naming the bad setting without its value;
2. the daily flow crawls the sandbox (Rebag, a small market) into a local lake and fails in the
   transform (RADAR_ENGINE=trino, the URL valid, the cluster unreachable): the hook posts again;
3. `radar crawl` with a marketplaces config whose Rebag base_url carries `user:password@` is
   refused at start (crawlers/config.py); so is the crawl-marketplaces flow, whose hook posts.

Every captured output, log file, lake file (manifests, Parquet bytes), Slack body and the Prefect
server's database is searched for each secret: none may appear. The search is shown to work on each
place first: the alerts, the runs' states, events and logs, and the lake's files are there to search.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.prefect_fixtures import REPO_ROOT, free_port, prefect_server, slack_receiver  # noqa: F401

SANDBOX_RUN = """
import sys
from datetime import date

from flows import daily
from cli.demo import SANDBOX_CRAWL_SETTINGS
from sandbox.market import Market
from sandbox.server import SandboxServer

daily.transform = daily.transform.with_options(retries=0)
daily.fetch_fx_rates = daily.fetch_fx_rates.with_options(retries=0)
day = date(2026, 9, 1)
with SandboxServer(Market(seed=3, start_date=day, scale=0.05), ["rebag"]) as sandbox:
    sandbox.set_day(day)
    try:
        daily.daily_market_snapshot(day, ["rebag"], sandbox.base_urls, {**SANDBOX_CRAWL_SETTINGS, "LOG_FILE": sys.argv[1]},
                                    crawl_retries=0, fx_base_url=sandbox.fx_base_url)
    except Exception as error:
        print("the flow failed as planned:", type(error).__name__)
        sys.exit(3)
print("the flow did not fail")
"""

# A flow called as a deployment's worker calls it: no CLI in front.
FLOW_RUN = """
import sys
from datetime import date

from flows import daily

try:
    if sys.argv[1] == "daily":
        daily.daily_market_snapshot(date(2026, 9, 5), ["rebag"])
    else:
        daily.crawl_marketplaces(None, ["rebag"])
except Exception as error:
    print("the flow failed as planned:", type(error).__name__)
    sys.exit(3)
print("the flow did not fail")
"""


def _planted() -> dict[str, str]:
    return {name: f"planted{name}{secrets.token_hex(12)}"
            for name in ("trinourlpw", "trinopw", "slackpath", "awssecret", "crawlurlpw")}


def _dump(database: Path) -> str:
    """Every row of every table of the server's SQLite database (committed WAL pages included)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        return "\n".join(connection.iterdump())


def _query(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        return connection.execute(sql).fetchall()


def _wait_for_failed_runs_recorded(database: Path, runs: int, timeout: float = 90) -> list[str]:
    """The failed runs' ids, once the server has stored, for each, its Failed event and its logs."""
    deadline = time.monotonic() + timeout
    while True:
        failed = [r for (r,) in _query(database, "select id from flow_run where state_type = 'FAILED'")]
        dump = _dump(database)
        events = [r for r in failed if f"prefect.flow-run.{r}" in dump and "prefect.flow-run.Failed" in dump]
        logged = [r for r in failed if _query(database, f"select count(*) from log where flow_run_id = '{r}'")[0][0] > 0]
        if len(failed) >= runs and len(events) >= runs and len(logged) >= runs:
            return failed
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not record {runs} failed runs with events and logs: {failed}, {events}, {logged}")
        time.sleep(1)


@pytest.mark.slow
def test_planted_secrets_appear_in_no_output_log_lake_file_alert_or_prefect_database(prefect_server, slack_receiver, tmp_path):
    planted = _planted()
    webhook = slack_receiver.url.rsplit("/", 1)[0] + "/" + planted["slackpath"]
    common = {
        "RADAR_TRINO_PASSWORD": planted["trinopw"],
        "RADAR_SLACK_WEBHOOK_URL": webhook,
        "AWS_ACCESS_KEY_ID": "AKIATESTING",
        "AWS_SECRET_ACCESS_KEY": planted["awssecret"],
        "RADAR_LAKE_URL": str(tmp_path / "lake"),
        "RADAR_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
        "RADAR_ECB_BASE_URL": "http://127.0.0.1:9/",  # never reached; the sandbox run passes its own feed
        "RADAR_ALLOW_PRIVATE_TARGETS": "true",
        "PREFECT_LOGGING_LEVEL": "DEBUG",  # the most a log could say
    }
    outputs = []

    def run(args: list[str], timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
        completed = subprocess.run(args, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout,
                                   env=prefect_server.env(**{**common, **env}))
        outputs.extend([completed.stdout, completed.stderr])
        return completed

    # 1. An invalid setting carrying a secret: the run stops at start and the hook still alerts.
    bad_trino_url = f"ftp://analyst:{planted['trinourlpw']}@127.0.0.1:1/iceberg/x"
    bad = run([sys.executable, "-m", "cli.main", "run", "--date", "2026-09-05", "--marketplaces", "rebag"],
              RADAR_TRINO_URL=bad_trino_url)
    assert bad.returncode != 0, bad.stdout + bad.stderr
    assert "RADAR_TRINO_URL must start with http://, https:// or trino://" in bad.stderr, bad.stderr[-3000:]
    flow = run([sys.executable, "-c", FLOW_RUN, "daily"], RADAR_TRINO_URL=bad_trino_url)
    assert flow.returncode == 3 and "SettingsError" in flow.stdout, flow.stdout[-3000:] + flow.stderr[-3000:]
    alert = slack_receiver.wait_for(":red_circle: *daily-market-snapshot* failed", "invalid settings: RADAR_TRINO_URL",
                                    "*step*\\nsettings")

    # 2. Valid settings, a sandbox crawl into the lake, then a transform on an unreachable Trino.
    crawl_log = tmp_path / "logs" / "scrapy-rebag.log"
    crawl_log.parent.mkdir()
    trino_url = f"https://analyst:{planted['trinourlpw']}@127.0.0.1:{free_port()}/iceberg/radar"
    sandbox = run([sys.executable, "-c", SANDBOX_RUN, str(crawl_log)], timeout=600,
                  RADAR_ENGINE="trino", RADAR_TRINO_URL=trino_url)
    failed_as_planned = sandbox.returncode == 3 and "the flow failed as planned" in sandbox.stdout
    assert failed_as_planned, sandbox.stdout[-3000:] + sandbox.stderr[-3000:]
    slack_receiver.wait_for(":red_circle: *daily-market-snapshot* failed", "2026-09-01", "rebag")

    # 3. Credentials in a crawl target (the marketplaces config) are refused before any request.
    config = tmp_path / "marketplaces.yaml"
    original = (REPO_ROOT / "crawlers" / "marketplaces.yaml").read_text()
    assert "base_url: https://shop.rebag.com\n" in original
    config.write_text(original.replace("base_url: https://shop.rebag.com\n",
                                       f"base_url: https://buyer:{planted['crawlurlpw']}@shop.rebag.com\n", 1))
    crawl = run([sys.executable, "-m", "cli.main", "crawl", "--marketplaces", "rebag"], RADAR_MARKETPLACES_CONFIG=str(config))
    assert crawl.returncode != 0 and "credentials" in crawl.stderr, crawl.stderr[-3000:]
    flow = run([sys.executable, "-c", FLOW_RUN, "crawl"], RADAR_MARKETPLACES_CONFIG=str(config))
    assert flow.returncode == 3 and "the flow failed as planned" in flow.stdout, flow.stdout[-3000:] + flow.stderr[-3000:]
    slack_receiver.wait_for(":red_circle: *crawl-marketplaces* failed", "credentials")

    # What is searched, and that each place holds what a leak would sit beside.
    database = prefect_server.home / "prefect.db"
    failed_runs = _wait_for_failed_runs_recorded(database, runs=3)
    dump = _dump(database)
    assert "RADAR_TRINO_URL must start with" in dump  # the first run's state message and logs are stored
    lake_files = [p for p in (tmp_path / "lake").rglob("*") if p.is_file()]
    assert any(p.name == "_manifest.json" for p in lake_files) and any(p.suffix == ".parquet" for p in lake_files)
    assert json.loads(next(p for p in lake_files if p.name == "_manifest.json").read_text())["item_count"] > 0
    assert crawl_log.stat().st_size > 0 and "Spider closed" in crawl_log.read_text()
    assert len(slack_receiver.messages) >= 3 and "RADAR_TRINO_URL" in alert

    places = {"captured output": "\n".join(outputs), "slack bodies": "\n".join(slack_receiver.texts()),
              "prefect database (rows)": dump}
    searched_files = [p for root in (tmp_path, prefect_server.home, prefect_server.log_path.parent)
                      for p in root.rglob("*") if p.is_file() and p != config]  # config: the test's own input
    assert database in searched_files and prefect_server.log_path in searched_files and crawl_log in searched_files
    leaks = []
    for name, secret in planted.items():
        for place, text in places.items():
            if secret in text:
                leaks.append(f"{name} in {place}")
        for path in searched_files:
            if secret.encode() in path.read_bytes():
                leaks.append(f"{name} in {path}")
    assert not leaks, f"planted secrets found ({len(failed_runs)} failed runs searched): {leaks}"


def test_an_alert_masks_credentials_quoted_in_an_error(monkeypatch, slack_receiver):
    from flows import alerts, slack
    from radar.settings import get_settings

    planted = _planted()
    monkeypatch.setattr(slack, "SLACK_BLOCK_NAME", "no-such-block-in-tests")
    monkeypatch.setenv("RADAR_SLACK_WEBHOOK_URL", slack_receiver.url)
    get_settings.cache_clear()
    error = f"GET https://analyst:{planted['trinourlpw']}@shop.example.com/products.json failed"
    assert slack.post_to_slack(*alerts.failure_message("crawl-marketplaces", None, error, marketplace="example"))
    body = slack_receiver.wait_for("crawl-marketplaces", "https://***@shop.example.com/products.json")
    assert planted["trinourlpw"] not in body and "analyst" not in body
