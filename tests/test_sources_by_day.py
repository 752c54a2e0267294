"""A dated run reads only the raw partitions of the days it builds (issue 13: a day's cost must not
grow with history), locally and on S3, and its tables equal a full rebuild's."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from radar.settings import RadarSettings
from tests.test_s3_lake import BUCKET, s3_endpoint, s3_lake  # noqa: F401 (fixtures)
from tests.test_transform_runner import settings_for, small_market_lake, warehouse_tables, write_model
from transformations.models import ModelError, load_models
from transformations.runner import run_transformations
from transformations.sources import lake_snapshot_days, register_raw_sources_duckdb

DAYS = [date(2026, 3, 2) + timedelta(days=offset) for offset in range(4)]


def corrupt_local_days(lake: Path, days: list[date]) -> int:
    """Overwrite every Parquet file of those days' partitions with bytes no reader can parse."""
    broken = 0
    for day in days:
        for path in lake.glob(f"raw/*/marketplace=*/snapshot_date={day.isoformat()}/*.parquet"):
            path.write_bytes(b"not parquet")
            broken += 1
    return broken


def view_sql(con, name: str) -> str:
    schema, table = name.split(".")
    return con.execute("select sql from duckdb_views() where schema_name = ? and view_name = ?",
                       [schema, table]).fetchone()[0]


def test_raw_views_of_a_dated_run_name_only_that_days_partitions(tmp_path):
    settings = settings_for(tmp_path)
    small_market_lake(settings, DAYS)
    con = duckdb.connect()
    register_raw_sources_duckdb(con, settings, (DAYS[2], DAYS[2]))
    for view in ("raw.listings", "raw.crawl_manifests"):
        sql = view_sql(con, view)
        assert f"snapshot_date={DAYS[2].isoformat()}" in sql
        assert not any(f"snapshot_date={d.isoformat()}" in sql for d in DAYS if d != DAYS[2])
        assert "*" not in sql.split("read_parquet", 1)[1].split("hive_partitioning")[0]  # files, no glob
    assert con.execute("select distinct snapshot_date from raw.listings").fetchall() == [(DAYS[2],)]
    assert con.execute("select count(*) from raw.crawl_manifests").fetchall() == [(2,)]  # rebag, vsp
    register_raw_sources_duckdb(con, settings, (DAYS[0], DAYS[1]))
    assert sorted(con.execute("select distinct snapshot_date from raw.listings").fetchall()) == [(DAYS[0],), (DAYS[1],)]
    register_raw_sources_duckdb(con, settings, (DAYS[3] + timedelta(days=1),) * 2)  # a day the lake lacks
    assert con.execute("select count(*) from raw.listings").fetchall() == [(0,)]
    assert lake_snapshot_days(settings) == DAYS


def test_a_daily_run_reads_only_its_day_and_equals_a_full_rebuild(tmp_path):
    full = settings_for(tmp_path)
    small_market_lake(full, DAYS)
    names = [m.name for m in run_transformations(full).models]
    daily = RadarSettings(lake_url=full.lake_url, warehouse_path=str(tmp_path / "daily.duckdb"))
    for day in DAYS[:3]:
        run_transformations(daily, start_date=day, end_date=day)

    # Earlier days' files unreadable: a run of the last day must not open them.
    assert corrupt_local_days(Path(full.lake_url), DAYS[:3]) >= 6
    run_transformations(daily, start_date=DAYS[3], end_date=DAYS[3])
    assert warehouse_tables(daily, names) == warehouse_tables(full, names)


def test_a_day_the_model_lacks_widens_the_run_to_that_day_only(tmp_path):
    full = settings_for(tmp_path)
    small_market_lake(full, DAYS)
    names = [m.name for m in run_transformations(full).models]
    daily = RadarSettings(lake_url=full.lake_url, warehouse_path=str(tmp_path / "daily.duckdb"))
    run_transformations(daily, start_date=DAYS[0], end_date=DAYS[0])
    run_transformations(daily, start_date=DAYS[1], end_date=DAYS[1])
    # Day 3 was never transformed: the run of day 4 builds 3 and 4, and reads nothing older.
    corrupt_local_days(Path(full.lake_url), DAYS[:2])
    result = run_transformations(daily, start_date=DAYS[3], end_date=DAYS[3])
    assert {m.name: m.intervals for m in result.models}["staging.stg_rebag__listings"] == [
        (DAYS[2], DAYS[2]), (DAYS[3], DAYS[3])]
    assert warehouse_tables(daily, names) == warehouse_tables(full, names)


def test_a_full_rebuild_still_reads_every_day(tmp_path):
    settings = settings_for(tmp_path)
    small_market_lake(settings, DAYS)
    run_transformations(settings, start_date=DAYS[3], end_date=DAYS[3])  # fills days 1-3 too
    corrupt_local_days(Path(settings.lake_url), DAYS[:1])
    with pytest.raises(duckdb.Error, match=r"(?i)parquet"):  # the broken day is read
        run_transformations(settings)


def test_on_s3_a_daily_run_lists_and_reads_only_its_day(s3_lake, tmp_path):
    _lake, s3 = s3_lake
    from radar.settings import get_settings

    settings = get_settings()
    full = RadarSettings(lake_url=settings.lake_url, s3_endpoint_url=settings.s3_endpoint_url,
                         warehouse_path=str(tmp_path / "full.duckdb"))
    small_market_lake(full, DAYS)
    names = [m.name for m in run_transformations(full).models]
    daily = RadarSettings(lake_url=full.lake_url, s3_endpoint_url=full.s3_endpoint_url,
                          warehouse_path=str(tmp_path / "daily.duckdb"))
    for day in DAYS[:3]:
        run_transformations(daily, start_date=day, end_date=day)
    assert lake_snapshot_days(daily) == DAYS

    broken = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".parquet") and any(f"snapshot_date={d.isoformat()}/" in obj["Key"] for d in DAYS[:3]):
                s3.put_object(Bucket=BUCKET, Key=obj["Key"], Body=b"not parquet")
                broken += 1
    assert broken >= 6
    run_transformations(daily, start_date=DAYS[3], end_date=DAYS[3])
    assert warehouse_tables(daily, names) == warehouse_tables(full, names)


def test_a_lake_path_with_glob_characters_is_literal_in_a_dated_run(tmp_path):
    settings = RadarSettings(lake_url=str(tmp_path / "lakes[1]"), warehouse_path=str(tmp_path / "w.duckdb"))
    small_market_lake(settings, DAYS[:2])
    con = duckdb.connect()
    register_raw_sources_duckdb(con, settings, (DAYS[1], DAYS[1]))
    assert con.execute("select distinct snapshot_date from raw.listings").fetchall() == [(DAYS[1],)]
    assert con.execute("select count(*) from raw.crawl_manifests").fetchall() == [(2,)]


def test_lookback_days_must_be_a_whole_number_of_days(tmp_path):
    write_model(tmp_path / "sql", "staging.a", "select snapshot_date from raw.listings",
                "description: d\nmaterialized: incremental_by_day\nday_column: snapshot_date\nlookback_days: -1\n")
    with pytest.raises(ModelError, match="lookback_days"):
        load_models(tmp_path / "sql")


def test_a_run_open_at_one_end_reads_the_whole_lake_and_equals_a_full_rebuild(tmp_path):
    """`radar transform --start-date D` (no end date): the run's last day is the lake's, so its raw
    views cover the whole lake (a (D, None) bound failed comparing a day with None; found by mypy)."""
    full = settings_for(tmp_path)
    small_market_lake(full, DAYS)
    names = [m.name for m in run_transformations(full).models]
    opened = RadarSettings(lake_url=full.lake_url, warehouse_path=str(tmp_path / "opened.duckdb"))
    run_transformations(opened, end_date=DAYS[1])
    result = run_transformations(opened, start_date=DAYS[2])
    assert (result.start_date, result.end_date) == (DAYS[2], DAYS[3])
    assert warehouse_tables(opened, names) == warehouse_tables(full, names)
