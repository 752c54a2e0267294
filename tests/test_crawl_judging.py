from datetime import date

import pytest

from flows.crawling import CrawlFailed, CrawlIncomplete, judge_crawl, scrapy_command

DAY = date(2026, 9, 3)


def report(complete=True, **overrides):
    manifest = {"item_count": 120, "expected_count": 120, "complete": complete, "finish_reason": "finished",
                "incomplete_reasons": [] if complete else ["collection all-bags page 3 missing"],
                "monitors": [{"name": "item_count", "passed": True}]}
    return {"radar/manifest": manifest, "radar/published": True, **overrides}


def test_a_complete_crawl_passes():
    outcome = judge_crawl("rebag", DAY, report())
    assert outcome.complete and outcome.item_count == 120


def test_an_incomplete_crawl_is_not_a_pass_even_though_scrapy_exited_zero():
    with pytest.raises(CrawlIncomplete, match="page 3 missing") as caught:
        judge_crawl("rebag", DAY, report(complete=False))
    assert caught.value.outcome.item_count == 120


def test_a_failed_lake_write_fails_the_crawl():
    with pytest.raises(CrawlFailed, match="lake write failed: disk full"):
        judge_crawl("rebag", DAY, report(**{"radar/write_error": "disk full"}))


def test_a_crawl_that_published_nothing_fails():
    with pytest.raises(CrawlFailed, match="no manifest"):
        judge_crawl("rebag", DAY, {"finish_reason": "shutdown"})


def test_command_passes_the_day_the_base_url_and_settings():
    command = scrapy_command("rebag", DAY, "http://127.0.0.1:8001", "/tmp/r.json", {"DOWNLOAD_DELAY": "0"})
    assert command[1:5] == ["-m", "scrapy", "crawl", "rebag"]
    assert "snapshot_date=2026-09-03" in command and "base_url=http://127.0.0.1:8001" in command
    assert "DOWNLOAD_DELAY=0" in command and "RADAR_REPORT_PATH=/tmp/r.json" in command


def test_the_crawls_own_memory_figure_is_kept_when_measured():
    outcome = judge_crawl("rebag", DAY, report(**{"memusage/max": 225 * 2**20}))
    assert outcome.peak_memory_mb == 225.0
    assert judge_crawl("rebag", DAY, report()).peak_memory_mb is None
