"""The report delivered (issue 14): a daily flow run on the sandbox renders the week's report into the
lake (`reports/`), and the digest posted to a local Slack stand-in links to it: the file's path on
a local lake, a presigned URL on S3 (moto's server on 127.0.0.1, tests/test_s3_lake.py's fixtures) that serves the page.
"""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path

import pytest

from cli.demo import SANDBOX_CRAWL_SETTINGS
from flows import daily
from sandbox.market import Market
from sandbox.server import SandboxServer
from tests.test_flows_e2e import SITES, START, slack, use_data_dir  # noqa: F401 - the fixture
from tests.test_s3_lake import BUCKET, s3_endpoint, s3_lake  # noqa: F401 - the fixtures

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

REPORT = f"radar-report-{START.isoformat()}.html"


@pytest.fixture
def no_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daily, "transform", daily.transform.with_options(retries=0))
    monkeypatch.setattr(daily, "fetch_fx_rates", daily.fetch_fx_rates.with_options(retries=0))
    monkeypatch.setattr(daily, "publish_weekly_report", daily.publish_weekly_report.with_options(retries=0))


def run_day_with_digest() -> dict:
    """The first sandbox day (Rebag and VSP, a small market), the digest on."""
    with SandboxServer(Market(seed=3, start_date=START, scale=0.05), SITES) as sandbox:
        sandbox.set_day(START)
        return daily.daily_market_snapshot(START, SITES, sandbox.base_urls, SANDBOX_CRAWL_SETTINGS, crawl_retries=0,
                                           fx_base_url=sandbox.fx_base_url, post_digest=True)


def digest_text(slack) -> str:
    texts = [message["text"] for message in slack.messages if "Resale Radar" in message["text"]]
    assert len(texts) == 1, [m["text"] for m in slack.messages]
    return texts[0]


def test_the_daily_run_writes_the_report_into_the_local_lake_and_the_digest_gives_its_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack, no_retries: None) -> None:
    use_data_dir(monkeypatch, tmp_path)
    result = run_day_with_digest()
    report = tmp_path / "lake" / "reports" / REPORT
    assert result["report"] == str(report)
    page = report.read_text(encoding="utf-8")
    assert "Resale Radar: the week of 2026-08-31" in page and page.count('<div class="chart"') >= 1
    assert f"This week's report: {report}" in digest_text(slack)


def test_on_s3_the_report_is_an_object_and_the_digest_gives_a_presigned_url_that_serves_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack, no_retries: None, s3_lake, s3_endpoint: str) -> None:
    _, s3 = s3_lake
    use_data_dir(monkeypatch, tmp_path, lake_url=f"s3://{BUCKET}/lake")
    result = run_day_with_digest()
    key = f"lake/reports/{REPORT}"
    assert result["report"] == f"{BUCKET}/{key}"
    stored = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert b"Resale Radar: the week of 2026-08-31" in stored
    text = digest_text(slack)
    link = re.search(r"<(http[^|>]+)\|This week's report>", text)
    assert link is not None, text
    url = link.group(1)
    assert url.startswith(f"{s3_endpoint}/{BUCKET}/{key}?") and "X-Amz-Signature=" in url
    assert "X-Amz-Expires=604800" in url  # SigV4, valid a week
    with urllib.request.urlopen(url, timeout=10) as response:  # what the buyer's browser does
        assert response.status == 200 and response.read() == stored
