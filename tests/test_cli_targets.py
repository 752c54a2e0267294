"""`radar run` / `radar crawl` against other targets than the real sites (`--base-url`,
`--fx-base-url`): the way to try the pipeline, or the production path on a local Trino, over the
sandbox replicas. The URLs are checked like any crawl target before a flow run records them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from cli.main import main
from sandbox.market import Market
from sandbox.server import SandboxServer

DAY = date(2026, 9, 1)


@pytest.mark.parametrize("argv, message", [
    (["run", "--base-url", "rebag"], "expected MARKETPLACE=URL"),
    (["run", "--base-url", "rebagg=http://127.0.0.1:1"], "rebagg"),
    (["run", "--marketplaces", "vsp", "--base-url", "rebag=http://127.0.0.1:1"], "does not crawl"),
    (["crawl", "--base-url", "rebag=http://u:planted-pw-7@127.0.0.1:1"], "must not carry credentials"),
    (["run", "--fx-base-url", "http://169.254.169.254/"], "metadata"),
    (["run", "--base-url", "rebag=file:///etc/passwd"], "http"),
])
def test_bad_targets_stop_before_any_flow_run(argv, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "planted-pw-7" not in err


def test_loopback_targets_need_the_sandbox_setting(monkeypatch, capsys):
    from radar.settings import get_settings

    monkeypatch.setenv("RADAR_ALLOW_PRIVATE_TARGETS", "false")
    get_settings.cache_clear()
    try:
        with pytest.raises(SystemExit):
            main(["crawl", "--base-url", "rebag=http://127.0.0.1:1"])
        assert "loopback" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


@pytest.mark.slow
def test_radar_run_over_the_sandbox_lands_the_day_in_the_marts(tmp_path):
    """What README's "production path locally" does, on the embedded engine: the sandbox serves,
    `radar run --base-url ... --fx-base-url ...` crawls it, and the day reaches the marts."""
    env = {**os.environ, "RADAR_LAKE_URL": str(tmp_path / "lake"),
           "RADAR_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"), "RADAR_ENGINE": "duckdb",
           "RADAR_ALLOW_PRIVATE_TARGETS": "true", "PREFECT_LOGGING_LEVEL": "WARNING"}
    market = Market(seed=5, start_date=DAY, scale=0.05)
    with SandboxServer(market, ["rebag", "vsp"]) as sandbox:
        sandbox.set_day(DAY)
        command = [sys.executable, "-m", "cli.main", "run", "--date", DAY.isoformat(), "--marketplaces", "rebag,vsp",
                   "--base-url", f"rebag={sandbox.base_urls['rebag']}", "--base-url", f"vsp={sandbox.base_urls['vsp']}",
                   "--fx-base-url", sandbox.fx_base_url]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as warehouse:
        rows = dict(warehouse.execute(
            "select marketplace, count(*) from marts.fct_listing_daily where snapshot_date = ? group by 1", [DAY]
        ).fetchall())
    assert set(rows) == {"rebag", "vsp"} and all(n > 0 for n in rows.values())
