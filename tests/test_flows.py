"""The flows' guards and their judgement of crawls, run with Prefect's test harness."""

from datetime import date, timedelta

import pytest

from flows import daily

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_past_day_is_never_crawled_from_the_live_sites():
    with pytest.raises(ValueError, match="only show today"):
        daily.crawl_marketplaces(date.today() - timedelta(days=3), ["rebag"])


def test_an_unknown_marketplace_stops_the_run_at_start():
    with pytest.raises(ValueError, match="unknown marketplace"):
        daily.crawl_marketplaces(date.today(), ["ebay"])


def test_rebuild_rejects_an_inverted_range():
    with pytest.raises(ValueError, match="before start_date"):
        daily.rebuild_marts(date(2026, 9, 5), date(2026, 9, 1))


def test_a_bad_setting_stops_the_run_before_any_crawl(monkeypatch):
    from radar.settings import get_settings

    monkeypatch.setenv("RADAR_ENGINE", "trino")  # without RADAR_TRINO_URL
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="RADAR_TRINO_URL"):
            daily.daily_market_snapshot(date.today(), ["rebag"])
    finally:
        monkeypatch.delenv("RADAR_ENGINE")
        get_settings.cache_clear()


def test_a_lake_url_of_an_unknown_scheme_is_refused(monkeypatch):
    from radar.settings import RadarSettings

    monkeypatch.setenv("RADAR_LAKE_URL", "gs://bucket/lake")
    with pytest.raises(ValueError, match="RADAR_LAKE_URL"):
        RadarSettings()
