"""Issue 11, finding 2 and the "Also" line: a lake that cannot be read is an error, never "no
data"; a full rebuild never replaces non-empty models with nothing; `radar transform` checks its
dates before it creates or opens the warehouse file."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import boto3
import duckdb
import pytest

from cli import main as cli
from radar.settings import RadarSettings, get_settings
from tests.test_s3_lake import s3_endpoint  # noqa: F401 (fixture: a moto S3 server on 127.0.0.1)
from tests.test_transform_runner import documented, listing, publish, small_market_lake, write_model
from transformations.models import ModelError
from transformations.runner import run_transformations
from transformations.sources import LakeUnreadable

DAYS = [date(2026, 3, 2) + timedelta(days=offset) for offset in range(3)]


def model_row_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('staging', 'intermediate', 'marts') and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        return {name: con.execute(f"select count(*) from {name}").fetchone()[0] for (name,) in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """A lake of three days and the warehouse a full rebuild made from it (built once)."""
    root = tmp_path_factory.mktemp("built")
    settings = RadarSettings(lake_url=str(root / "lake"), warehouse_path=str(root / "warehouse.duckdb"))
    small_market_lake(settings, DAYS)
    run_transformations(settings)
    counts = model_row_counts(root / "warehouse.duckdb")
    assert counts["marts.dim_listing"] > 0 and counts["staging.stg_rebag__listings"] > 0
    return root, counts


@pytest.fixture
def warehouse(built, tmp_path, monkeypatch) -> Path:
    """A copy of the built warehouse, RADAR_WAREHOUSE_PATH pointing at it."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(built[0] / "warehouse.duckdb", path)
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("RADAR_ENGINE", "duckdb")
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("RADAR_S3_ENDPOINT_URL", raising=False)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def radar_transform(monkeypatch, lake_url: str, *args: str) -> int:
    monkeypatch.setenv("RADAR_LAKE_URL", lake_url)
    get_settings.cache_clear()
    return cli.main(["transform", *args])


def test_an_unreachable_s3_endpoint_fails_and_leaves_the_warehouse_as_it_was(built, warehouse, monkeypatch, capsys):
    monkeypatch.setenv("RADAR_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on port 9
    assert radar_transform(monkeypatch, "s3://bkt/pfx") != 0
    error = capsys.readouterr().err
    assert "s3://bkt/pfx" in error and "cannot be read" in error
    assert model_row_counts(warehouse) == built[1]


def test_a_missing_bucket_fails_and_leaves_the_warehouse_as_it_was(built, warehouse, s3_endpoint, monkeypatch, capsys):
    monkeypatch.setenv("RADAR_S3_ENDPOINT_URL", s3_endpoint)
    assert radar_transform(monkeypatch, "s3://no-such-bucket/lake") != 0
    error = capsys.readouterr().err
    assert "s3://no-such-bucket/lake" in error and "no-such-bucket" in error and "does not exist" in error
    assert model_row_counts(warehouse) == built[1]


def test_an_empty_prefix_in_a_bucket_does_not_empty_the_warehouse(built, warehouse, s3_endpoint, monkeypatch, capsys):
    monkeypatch.setenv("RADAR_S3_ENDPOINT_URL", s3_endpoint)
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="empty-lake")
    assert radar_transform(monkeypatch, "s3://empty-lake/typo") != 0
    assert "s3://empty-lake/typo" in capsys.readouterr().err
    assert model_row_counts(warehouse) == built[1]


@pytest.mark.parametrize("lake", ["empty", "missing"])
def test_an_empty_or_missing_lake_directory_does_not_empty_the_warehouse(built, warehouse, tmp_path, monkeypatch,
                                                                        capsys, lake):
    lake_dir = tmp_path / "lake"
    if lake == "empty":
        lake_dir.mkdir()
    assert radar_transform(monkeypatch, str(lake_dir)) != 0
    error = capsys.readouterr().err
    assert str(lake_dir) in error and "no snapshot" in error
    assert model_row_counts(warehouse) == built[1]


def test_a_dated_run_over_an_empty_lake_does_not_empty_the_table_models(built, warehouse, tmp_path, monkeypatch,
                                                                         capsys):
    assert radar_transform(monkeypatch, str(tmp_path / "lake"), "--start-date", "2026-03-04",
                           "--end-date", "2026-03-04") != 0
    error = capsys.readouterr().err
    assert "would replace" in error and str(tmp_path / "lake") in error
    assert model_row_counts(warehouse) == built[1]


def test_a_lake_path_with_glob_characters_is_read_literally(built, warehouse, tmp_path, monkeypatch, capsys):
    lake_dir = tmp_path / "lakes[1]" / "lake"
    shutil.copytree(built[0] / "lake", lake_dir)
    (tmp_path / "lakes1" / "lake").mkdir(parents=True)  # what the glob `lakes[1]` would match: empty
    assert radar_transform(monkeypatch, str(lake_dir)) == 0
    assert model_row_counts(warehouse) == built[1]


def test_a_full_rebuild_never_replaces_a_model_with_nothing(tmp_path):
    """A source that reads empty while the lake has snapshots (here: a model over listings of a
    marketplace that vanished from the lake) stops the rebuild before publishing anything."""
    settings = RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(tmp_path / "warehouse.duckdb"))
    sql, no_seeds = tmp_path / "sql", tmp_path / "no_seeds"
    no_seeds.mkdir()
    write_model(sql, "staging.vsp_prices", "select listing_id, price from raw.listings where marketplace = 'vsp'",
                "description: d\n" + documented("listing_id", "price"))
    publish(settings, "vsp", DAYS[0], [listing("vsp", "1", DAYS[0], "10")])
    publish(settings, "rebag", DAYS[0], [listing("rebag", "2", DAYS[0], "20")])
    run_transformations(settings, sql_dir=sql, seeds_dir=no_seeds)
    shutil.rmtree(tmp_path / "lake" / "raw" / "listings" / "marketplace=vsp")
    with pytest.raises(ModelError, match=r"staging.vsp_prices.*1 row"):
        run_transformations(settings, sql_dir=sql, seeds_dir=no_seeds)
    assert model_row_counts(tmp_path / "warehouse.duckdb") == {"staging.vsp_prices": 1}


def test_a_fresh_warehouse_still_builds_from_an_empty_lake(tmp_path):
    """Nothing to lose: a first build over an empty lake makes empty tables (the SQL's own tests do it)."""
    settings = RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(tmp_path / "warehouse.duckdb"))
    sql, no_seeds = tmp_path / "sql", tmp_path / "no_seeds"
    no_seeds.mkdir()
    write_model(sql, "staging.prices", "select listing_id, price from raw.listings",
                "description: d\n" + documented("listing_id", "price"))
    run_transformations(settings, sql_dir=sql, seeds_dir=no_seeds)
    assert model_row_counts(tmp_path / "warehouse.duckdb") == {"staging.prices": 0}


def test_the_python_api_raises_naming_the_lake(built, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built[0] / "warehouse.duckdb", warehouse)
    settings = RadarSettings(lake_url=str(tmp_path / "nowhere"), warehouse_path=str(warehouse))
    with pytest.raises(LakeUnreadable, match="nowhere"):
        run_transformations(settings)
    assert model_row_counts(warehouse) == built[1]


# ---------------------------------------------------- parameters before side effects


def test_start_after_end_fails_before_the_warehouse_file_exists(tmp_path, monkeypatch, capsys):
    path = tmp_path / "new" / "warehouse.duckdb"
    monkeypatch.setenv("RADAR_WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("RADAR_ENGINE", "duckdb")
    with pytest.raises(SystemExit) as exit_:
        radar_transform(monkeypatch, str(tmp_path / "lake"), "--start-date", "2026-09-05", "--end-date", "2026-09-01")
    get_settings.cache_clear()
    assert exit_.value.code == 2
    assert "2026-09-05" in capsys.readouterr().err
    assert not path.exists() and not path.parent.exists()


def test_the_python_api_checks_the_dates_before_opening_the_warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    settings = RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(path))
    with pytest.raises(ValueError, match="after"):
        run_transformations(settings, start_date=date(2026, 9, 5), end_date=date(2026, 9, 1))
    assert not path.exists()


@pytest.mark.parametrize("argv", [
    ["sandbox", "serve", "--scale", "-1"],
    ["sandbox", "serve", "--scale", "0"],
    ["sandbox", "serve", "--scale", "nan"],
    ["sandbox", "serve", "--port-base", "70000"],
    ["sandbox", "serve", "--marketplaces", "rebagg"],
    ["run", "--marketplaces", "rebagg"],
    ["crawl", "--marketplaces", "rebag,nope"],
    ["catalogue", "--marketplace", "rebagg"],
    ["catalogue", "--limit", "x"],
])
def test_bad_parameters_are_refused_before_anything_runs(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err
