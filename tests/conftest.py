"""Shared test setup: offline Prefect defaults, and no test ever talks to anything but 127.0.0.1."""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The sandbox replicas live on 127.0.0.1: the one place crawls may reach a loopback address.
os.environ.setdefault("RADAR_ALLOW_PRIVATE_TARGETS", "true")

import pytest


@pytest.fixture(autouse=True)
def _environment_restored():
    """Each test leaves os.environ as it found it. Flows run in the test process, and a flow's
    apply_prefect_blocks writes what the blocks hold into os.environ, as it does on a worker;
    without this, one test's blocks became every later test's settings."""
    saved = dict(os.environ)
    yield
    if os.environ != saved:
        os.environ.clear()
        os.environ.update(saved)
        from radar.settings import get_settings

        get_settings.cache_clear()


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for every test that runs flows (~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


# Property tests (hypothesis): deterministic in CI and locally, moderate example counts.
try:
    from hypothesis import HealthCheck
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile(
        "radar", derandomize=True, max_examples=150, deadline=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "radar"))
except ImportError:  # the test extra installs it; the fuzz tests import it and fail loudly without it
    pass
