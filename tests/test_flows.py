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


def test_blocks_fill_what_the_environment_leaves_unset(monkeypatch):
    import os

    from prefect.blocks.system import Secret
    from prefect.variables import Variable
    from prefect_aws import AwsCredentials

    from radar.settings import apply_prefect_blocks, get_settings

    for name in ("RADAR_TRINO_URL", "RADAR_TRINO_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    Variable.unset("radar_trino_url")  # older setups kept the URL in this plain variable: no longer read
    Secret(value="https://analyst@trino.example.com:443/iceberg/radar").save("radar-trino-url", overwrite=True)
    Secret(value="s3cret-from-block").save("radar-trino-password", overwrite=True)
    AwsCredentials(aws_access_key_id="AKIAFROMBLOCK", aws_secret_access_key="block-secret",
                   region_name="eu-west-1").save("radar-aws", overwrite=True)
    monkeypatch.setenv("RADAR_TRINO_PASSWORD", "from-env-wins")
    try:
        used = apply_prefect_blocks()
        settings = get_settings()
        assert set(used) == {"radar-trino-url", "radar-aws"}
        assert settings.trino_url.get_secret_value() == "https://analyst@trino.example.com:443/iceberg/radar"
        assert settings.trino_password.get_secret_value() == "from-env-wins"
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAFROMBLOCK" and os.environ["AWS_DEFAULT_REGION"] == "eu-west-1"
        assert "block-secret" not in repr(settings) and "from-env-wins" not in repr(settings)
    finally:
        # The harness's server is shared by every flow the session runs: a block left here would
        # be read by their apply_prefect_blocks (a Trino password beside an http test cluster).
        Secret.delete("radar-trino-url")
        Secret.delete("radar-trino-password")
        AwsCredentials.delete("radar-aws")
        for name in ("RADAR_TRINO_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
            os.environ.pop(name, None)
        get_settings.cache_clear()
