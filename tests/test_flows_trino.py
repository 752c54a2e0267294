"""The daily flow honours RADAR_ENGINE (issue 12): run on the sandbox with a real Prefect server,
once on DuckDB and once on the real local Trino (tests/trino_fixtures.py), over a local lake
(Trino reads it as local:///). A day the daily runs skip (crawled, never transformed) is filled
by the next daily run on both engines.

The Trino case is marked `trino`: where the server cannot start it fails under CI=true and
skips elsewhere.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import duckdb
import pytest

from cli.demo import SANDBOX_CRAWL_SETTINGS
from flows import daily
from radar.settings import get_settings
from sandbox.market import Market
from sandbox.server import SandboxServer
from tests.test_trino_runner import drop_tables
from tests.trino_fixtures import trino_server  # noqa: F401
from transformations.models import load_models

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

START = date(2026, 9, 1)
DAYS = [START + timedelta(days=n) for n in range(3)]
SITES = ["rebag", "vsp"]


def mart_days(engine: str, warehouse, server) -> list[date]:
    sql = "select distinct snapshot_date from {}marts.fct_listing_daily order by 1"
    if engine == "duckdb":
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            return [day for (day,) in connection.execute(sql.format("")).fetchall()]
    connection = server.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(sql.format("iceberg."))
        return [day for (day,) in cursor.fetchall()]
    finally:
        connection.close()


@pytest.mark.parametrize("engine", ["duckdb", pytest.param("trino", marks=pytest.mark.trino)])
def test_the_daily_flow_runs_on_the_configured_engine_and_fills_a_skipped_day(engine, request, tmp_path, monkeypatch):
    monkeypatch.setattr(daily, "transform", daily.transform.with_options(retries=0))
    monkeypatch.setattr(daily, "fetch_fx_rates", daily.fetch_fx_rates.with_options(retries=0))
    server = None
    env = {"RADAR_ENGINE": engine, "RADAR_LAKE_URL": str(tmp_path / "lake"),
           "RADAR_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")}
    if engine == "trino":
        server = request.getfixturevalue("trino_server")
        if os.environ.get("TRINO_URL") and os.environ["TRINO_URL"] != server.radar_trino_url:
            pytest.skip("TRINO_URL names another cluster: it cannot read this test's local lake")
        env["RADAR_TRINO_URL"] = server.radar_trino_url
        drop_tables(server, sorted(load_models()))  # a new warehouse: no model holds a day yet
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        market = Market(seed=3, start_date=START, scale=0.05)
        with SandboxServer(market, SITES) as sandbox:
            def snapshot(day):
                sandbox.set_day(day)
                return daily.daily_market_snapshot(day, SITES, sandbox.base_urls, SANDBOX_CRAWL_SETTINGS,
                                                   crawl_retries=0, fx_base_url=sandbox.fx_base_url)

            first = snapshot(DAYS[0])
            sandbox.set_day(DAYS[1])  # the second day is crawled but its transform is skipped
            assert set(daily.crawl_marketplaces(DAYS[1], SITES, sandbox.base_urls, SANDBOX_CRAWL_SETTINGS)) == set(SITES)
            assert mart_days(engine, tmp_path / "warehouse.duckdb", server) == DAYS[:1]
            third = snapshot(DAYS[2])
    finally:
        get_settings.cache_clear()
    for result in (first, third):
        assert result["transform"]["dialect"] == engine
        assert result["transform"]["documentation_problems"] == {}
    unioned = "intermediate.int_listings_unioned"
    assert first["transform"]["models"][unioned]["intervals"] == 1
    assert third["transform"]["models"][unioned]["intervals"] == 2  # the skipped day, then the day
    assert mart_days(engine, tmp_path / "warehouse.duckdb", server) == DAYS
    if engine == "trino":  # the run wrote nothing to a DuckDB warehouse
        assert not (tmp_path / "warehouse.duckdb").exists()
