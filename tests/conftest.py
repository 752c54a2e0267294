"""Shared test setup: offline Prefect defaults, and no test ever talks to anything but 127.0.0.1."""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# The sandbox replicas live on 127.0.0.1: the one place crawls may reach a loopback address.
os.environ.setdefault("RADAR_ALLOW_PRIVATE_TARGETS", "true")

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for every test that runs flows (~15 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
