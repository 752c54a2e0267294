"""Settings: malformed lake URLs are settings errors; credential-bearing settings never print,
not even in validation errors; the Trino URL may carry its user and password."""

from __future__ import annotations

import secrets
import uuid

import pytest
from pydantic import ValidationError

from radar.settings import RadarSettings, SettingsError, get_settings

PLANTED = "planted-" + secrets.token_hex(8)


@pytest.fixture
def clean_settings(monkeypatch):
    for name in ("RADAR_LAKE_URL", "RADAR_TRINO_URL", "RADAR_TRINO_PASSWORD", "RADAR_ENGINE", "RADAR_SLACK_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _error_text(error: BaseException) -> str:
    """What an error shows when it is printed, logged or stored by Prefect: str and repr, of it and
    of the errors it carries along (a traceback prints them). pydantic's `errors()` still hands the
    input to whoever asks for it: get_settings() keeps no ValidationError around (below)."""
    parts = [str(error), repr(error)]
    if error.__cause__ is not None or error.__context__ is not None:
        parts += [_error_text(e) for e in (error.__cause__, error.__context__) if e is not None]
    return "\n".join(parts)


@pytest.mark.parametrize("url, problem", [
    ("s3://", "no bucket"),
    ("s3:///x", "no bucket"),
    ("s3://bad bucket", "not a valid S3 bucket name"),
    ("s3://Bad_Bucket!/x", "not a valid S3 bucket name"),
    (f"s3://AKIAEXAMPLE:{PLANTED}@bucket/x", "credentials"),
    (f"s3://{PLANTED}@bucket/x", "credentials"),
    ("gs://bucket/x", "unknown scheme 'gs'"),
    (f"https://u:{PLANTED}@example.com/lake", "unknown scheme 'https'"),
    ("s3:/bucket/x", "malformed"),
    ("s3:bucket", "malformed"),
    ("file://", "no path"),
    ("   ", "empty"),
])
def test_a_malformed_lake_url_is_a_settings_error_naming_the_problem(clean_settings, url, problem):
    with pytest.raises(ValidationError) as raised:
        RadarSettings(lake_url=url)
    text = _error_text(raised.value)
    assert "RADAR_LAKE_URL" in text and problem in text
    assert PLANTED not in text
    # from the environment, through get_settings: one clear SettingsError
    clean_settings.setenv("RADAR_LAKE_URL", url)
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match="RADAR_LAKE_URL") as raised:
        get_settings()
    assert problem in str(raised.value) and PLANTED not in _error_text(raised.value)


@pytest.mark.parametrize("url, kept", [
    ("s3://radar-test/lake", "s3://radar-test/lake"),
    ("s3://radar-test/lake/", "s3://radar-test/lake"),
    ("s3://b/p", "s3://b/p"),
    ("s3://my.bucket-1", "s3://my.bucket-1"),
    ("data/lake/", "data/lake"),
    ("/tmp/radar lake", "/tmp/radar lake"),
    ("file:///tmp/lake", "file:///tmp/lake"),
])
def test_good_lake_urls_are_kept(clean_settings, url, kept):
    assert RadarSettings(lake_url=url).lake_url == kept


def test_the_trino_url_is_a_secret_and_may_carry_user_and_password(clean_settings):
    settings = RadarSettings(trino_url=f"https://analyst:{PLANTED}@trino.example.com:443/iceberg/radar")
    assert settings.trino_url.get_secret_value() == f"https://analyst:{PLANTED}@trino.example.com:443/iceberg/radar"
    for shown in (repr(settings), str(settings), settings.model_dump_json(), repr(settings.model_dump())):
        assert PLANTED not in shown and "trino.example.com" not in shown


@pytest.mark.parametrize("env", [
    {"RADAR_TRINO_URL": f"ftp://u:{PLANTED}@127.0.0.1:1/iceberg/x"},
    {"RADAR_TRINO_URL": f"u:{PLANTED}@127.0.0.1:1/iceberg/x"},
    {"RADAR_TRINO_URL": f"https://u:{PLANTED}@127.0.0.1:notaport/iceberg/x"},
    {"RADAR_TRINO_URL": f"https://u:{PLANTED}@/iceberg/x"},
    {"RADAR_TRINO_URL": f"http://u:{PLANTED}@127.0.0.1:8080/iceberg/x"},  # a password in clear text
    {"RADAR_TRINO_URL": "http://u@127.0.0.1:8080/iceberg/x", "RADAR_TRINO_PASSWORD": PLANTED},
    {"RADAR_TRINO_PASSWORD": PLANTED, "RADAR_ENGINE": "oracle"},
    {"RADAR_SLACK_WEBHOOK_URL": f"https://hooks.slack.com/services/{PLANTED}", "RADAR_ENGINE": "trino"},
])
def test_a_bad_setting_names_the_variable_never_a_secret(clean_settings, env):
    for name, value in env.items():
        clean_settings.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        RadarSettings()
    assert PLANTED not in _error_text(raised.value)
    get_settings.cache_clear()
    with pytest.raises(SettingsError) as raised:
        get_settings()
    text = _error_text(raised.value)
    assert PLANTED not in text
    assert raised.value.__context__ is None and raised.value.__cause__ is None
    assert any(name in str(raised.value) for name in ("RADAR_TRINO_URL", "RADAR_ENGINE")), str(raised.value)


def test_connect_trino_reads_user_password_and_scheme_from_the_url(clean_settings):
    from transformations.engines import connect_trino

    connection = connect_trino(RadarSettings(trino_url=f"trino://analyst:{PLANTED}@127.0.0.1:1/lakehouse/radar"))
    assert (connection.host, connection.port, connection.user, connection.http_scheme) == ("127.0.0.1", 1, "analyst", "https")
    assert (connection.catalog, connection.schema) == ("lakehouse", "radar")
    assert connection.auth._password == PLANTED
    # RADAR_TRINO_PASSWORD wins over a password in the URL
    settings = RadarSettings(trino_url=f"https://analyst:{PLANTED}@127.0.0.1:1/lakehouse", trino_password="other")
    assert connect_trino(settings).auth._password == "other"
    plain = connect_trino(RadarSettings(trino_url="trino://radar@127.0.0.1:8080"))
    assert (plain.http_scheme, plain.auth, plain.catalog, plain.schema) == ("http", None, "iceberg", "marts")


def test_the_slack_webhook_is_found_for_an_alert_even_when_other_settings_are_invalid(clean_settings):
    from flows import slack

    clean_settings.setattr(slack, "SLACK_BLOCK_NAME", "no-such-block-in-tests")
    clean_settings.setenv("RADAR_SLACK_WEBHOOK_URL", "http://127.0.0.1:9/services/T0/B0/" + PLANTED)
    clean_settings.setenv("RADAR_TRINO_URL", f"ftp://u:{PLANTED}@127.0.0.1:1/x")
    with pytest.raises(SettingsError):
        get_settings()
    assert slack.slack_webhook_url() == "http://127.0.0.1:9/services/T0/B0/" + PLANTED


def test_the_automations_post_nothing_that_can_carry_a_value():
    """The Slack templates name the flow, the run, its state, time and link/id; never the state
    message or the parameters, which can carry what a user typed."""
    import jinja2

    from deployments.setup_automations import desired_automations

    class Run:
        id = uuid.uuid4()
        name = "bold-heron"
        parameters = {"base_urls": {"rebag": f"https://u:{PLANTED}@x"}}

        class state:
            name = "Failed"
            message = f"ValueError: bad {PLANTED}"
            timestamp = "2026-09-05T06:00:00+00:00"

    env = jinja2.Environment()
    env.filters["ui_url"] = lambda obj: None
    automations = desired_automations(uuid.uuid4())
    assert len(automations) == 4
    for automation in automations:
        for action in automation.actions:
            for template in (action.subject, action.body):
                rendered = env.from_string(template).render(flow={"name": "rebuild-marts"}, flow_run=Run)
                assert PLANTED not in rendered, automation.name
            body = env.from_string(action.body).render(flow={"name": "rebuild-marts"}, flow_run=Run)
            if "flow_run" in action.body:
                assert "rebuild-marts" in body and "bold-heron" in body and str(Run.id) in body and "Failed" in body


def test_setup_blocks_keeps_the_trino_url_in_a_secret_block_and_the_flows_read_it_back(clean_settings, prefect_harness):
    import os

    from prefect.blocks.system import Secret
    from prefect.variables import Variable

    from deployments.setup_blocks import setup_trino
    from radar.settings import TRINO_URL_BLOCK, TRINO_URL_VARIABLE, apply_prefect_blocks

    url = f"https://analyst:{PLANTED}@trino.example.com:443/iceberg/radar"
    Variable.set(TRINO_URL_VARIABLE, "https://analyst@old.example.com:443/iceberg/radar", overwrite=True)  # an older setup's
    said: list[str] = []
    setup_trino(RadarSettings(trino_url=url, trino_password="pw-" + PLANTED), said.append)
    assert Secret.load(TRINO_URL_BLOCK, _sync=True).get() == url
    assert Variable.get(TRINO_URL_VARIABLE) is None  # the plain copy is gone
    assert PLANTED not in "\n".join(said) and f"block secret/{TRINO_URL_BLOCK}" in "\n".join(said)
    try:
        assert TRINO_URL_BLOCK in apply_prefect_blocks()
        assert get_settings().trino_url.get_secret_value() == url
    finally:
        for name in ("RADAR_TRINO_URL", "RADAR_TRINO_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"):
            os.environ.pop(name, None)
        get_settings.cache_clear()
