"""`radar demo` as a new user runs it: every marketplace, five days, complete and exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest_browser import chromium  # noqa: F401 (fixture: fails in CI without Chromium)

REPO = Path(__file__).resolve().parent.parent
MARKETPLACES = ["rebag", "vsp", "fashionphile", "dct", "treasures", "madison"]

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_five_day_demo_lands_every_bag_on_sale_each_day(tmp_path, chromium):
    data_dir = tmp_path / "data"
    completed = subprocess.run(
        [sys.executable, "-m", "cli.main", "demo", "--days", "5", "--data-dir", str(data_dir), "--scale", "0.2",
         "--still-market"],  # exact counts need a still market: a moving one is tests/test_moving_market.py
        cwd=REPO, capture_output=True, text=True, timeout=1800,
        env={**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "160"},
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "Fastest-selling models" in completed.stdout

    truth = {
        (m, d.isoformat()): visible
        for m, d, visible in duckdb.sql(
            f"select marketplace, date, bags_visible from '{data_dir}/truth/daily_supply.parquet'").fetchall()
    }
    for marketplace in MARKETPLACES:
        partitions = sorted((data_dir / "lake/raw/listings" / f"marketplace={marketplace}").iterdir())
        assert len(partitions) == 5, marketplace
        for partition in partitions:
            manifest = json.loads((partition / "_manifest.json").read_text())
            assert manifest["complete"], (marketplace, partition.name, manifest["incomplete_reasons"])
            day = partition.name.removeprefix("snapshot_date=")
            assert manifest["item_count"] == truth[(marketplace, day)] > 0, (marketplace, day)

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        marketplaces = {m for (m,) in connection.execute("select distinct marketplace from marts.dim_listing").fetchall()}
    assert marketplaces == set(MARKETPLACES)


def test_snapshots_broken_on_purpose_land_incomplete_and_create_no_sales(tmp_path):
    """The demo breaks two snapshots (a short page on Rebag, then on VSP): the runs go on, those
    days land marked incomplete, and the scorer finds no sale dated on them."""
    from evaluation.scoring import score

    data_dir = tmp_path / "data"
    completed = subprocess.run(
        [sys.executable, "-m", "cli.main", "demo", "--days", "7", "--data-dir", str(data_dir), "--scale", "0.3",
         "--marketplaces", "rebag,vsp", "--incomplete-snapshots", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=1800,
        env={**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "200"},
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "2026-09-04 rebag: snapshot incomplete" in completed.stdout
    assert "2026-09-05 vsp: snapshot incomplete" in completed.stdout

    def manifest(marketplace, day):
        path = data_dir / "lake/raw/listings" / f"marketplace={marketplace}" / f"snapshot_date={day}" / "_manifest.json"
        return json.loads(path.read_text())

    assert manifest("rebag", "2026-09-04")["complete"] is False
    assert manifest("vsp", "2026-09-05")["complete"] is False
    assert manifest("rebag", "2026-09-05")["complete"] and manifest("vsp", "2026-09-04")["complete"]

    report = score(data_dir)
    by_marketplace = {m.marketplace: m for m in report.marketplaces}
    assert by_marketplace["rebag"].false_sales_on_incomplete_days == 0
    assert by_marketplace["vsp"].false_sales_on_incomplete_days == 0
    assert by_marketplace["rebag"].predicted_sales > 0  # sales were inferred on the complete days

    # The flow fetched the sandbox's ECB feed each day: staging.stg_fx_rates holds exactly its quotes
    fetches = sorted(p.name for p in (data_dir / "lake/raw/fx_rates").iterdir())
    assert fetches == [f"fetch_date=2026-09-0{d}" for d in range(1, 8)]
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        staged = connection.execute("select rate_date, currency, units_per_eur from staging.stg_fx_rates").fetchall()
        unconverted = connection.execute(
            "select count(*) from intermediate.int_listings_unioned where price_usd is null").fetchall()[0][0]
    published = {(d, c): float(u) for d, c, u in duckdb.sql(
        f"select date, currency, units_per_eur from '{data_dir}/truth/fx_rates.parquet'").fetchall()}
    first_file = {k: v for k, v in published.items() if k[0] >= date(2026, 6, 4)}  # the first 90-day file
    assert {(d, c): u for d, c, u in staged} == first_file
    assert max(d for d, _, _ in staged) == date(2026, 9, 7) and date(2026, 9, 5) not in {d for d, _, _ in staged}
    assert unconverted == 0
    assert not list((REPO / "transformations/seeds").glob("fx*"))
