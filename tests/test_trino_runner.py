"""The runner on the real local Trino (issue 12): `radar trino setup`, a local lake read as
local:///, atomic publishes (one Iceberg commit each, a reader never finds a table or a day
missing), the YAML's descriptions as table and column comments, and the days a model lacks
filled by a daily run.

Marked `trino`: against the server of tests/trino_fixtures.py; where it cannot start, these
fail under CI=true and skip elsewhere. The server is shared by the whole session: each test
names its own tables, or drops the models' tables first.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from radar.settings import RadarSettings, get_settings
from tests.test_transform_runner import INCREMENTAL_SQL, documented, listing, publish, write_model
from tests.trino_fixtures import local_trino, trino_server  # noqa: F401 (fixtures)
from transformations.engines import trino_lake_location as trino_location
from transformations.models import load_models
from transformations.runner import MODEL_DAYS_TABLE, run_transformations

pytestmark = pytest.mark.trino

D1 = date(2025, 4, 1)
DAYS = [D1 + timedelta(days=n) for n in range(5)]
AWS_TEST_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
# Test models of their own names, so no other test's tables are touched.
DAYS_MODEL = "intermediate.runner_test_days"
TOTALS_MODEL = "marts.runner_test_totals"


def rows(server, sql: str) -> list[tuple]:
    connection = server.connect()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        connection.close()


def snapshots(server, name: str) -> list[tuple]:
    schema, table = name.split(".")
    return rows(server, f'select snapshot_id, operation from iceberg.{schema}."{table}$snapshots" order by committed_at')


def write_lake(root: Path, days: list[date], prefix: str) -> RadarSettings:
    """A local lake: Rebag listings <prefix>-<n> on each day (n = 1..day's offset + 2)."""
    settings = RadarSettings(lake_url=str(root), warehouse_path=str(root.parent / "unused.duckdb"))
    for offset, day in enumerate(days):
        publish(settings, "rebag", day, [listing("rebag", f"{prefix}-{n}", day, str(1000 + n))
                                         for n in range(1, offset + 3)])
    return settings


def on_trino(server, lake_url: str, **extra) -> RadarSettings:
    return RadarSettings(trino_url=server.radar_trino_url, engine="trino", lake_url=lake_url, **extra)


def write_test_models(sql: Path) -> Path:
    """An incremental model (listings per day, with a look-back) and a table model over it."""
    write_model(sql, DAYS_MODEL, INCREMENTAL_SQL,
                "description: Listings per marketplace and day (a test model)\nmaterialized: incremental_by_day\n"
                "day_column: snapshot_date\nunique_key: [marketplace, snapshot_date]\n"
                + documented("marketplace", "snapshot_date", "listings", "seen_the_day_before", "total_price"))
    write_model(sql, TOTALS_MODEL, f"select count(*) as days, sum(listings) as listings from {DAYS_MODEL}",
                "description: Totals over every day (a test model)\n" + documented("days", "listings"))
    return sql


def drop_tables(server, names: list[str]) -> None:
    connection = server.connect()
    try:
        cursor = connection.cursor()
        for name in names:
            for suffix in ("", "__staged"):
                cursor.execute(f"drop table if exists iceberg.{name}{suffix}")
                cursor.fetchall()
        cursor.execute("create schema if not exists iceberg.seeds")
        cursor.fetchall()
        cursor.execute(f"create table if not exists iceberg.{MODEL_DAYS_TABLE} (model varchar, day date)")
        cursor.fetchall()
        listed = ", ".join(f"'{name}'" for name in names)
        cursor.execute(f"delete from iceberg.{MODEL_DAYS_TABLE} where model in ({listed})")
        cursor.fetchall()
    finally:
        connection.close()


# ------------------------------------------------------------------ radar trino setup


def test_trino_setup_is_idempotent_and_the_raw_tables_follow_the_configured_lake(trino, tmp_path, monkeypatch, capsys):
    from cli.main import main

    lake_a = write_lake(tmp_path / "lake a", DAYS[:2], "a")
    lake_b = write_lake(tmp_path / "lake_b", DAYS[:1], "b")

    def setup(lake_url: str, **env) -> dict:
        for name, value in {"RADAR_TRINO_URL": trino.radar_trino_url, "RADAR_LAKE_URL": lake_url, **env}.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            assert main(["trino", "setup"]) == 0
        finally:
            get_settings.cache_clear()
        return json.loads(capsys.readouterr().out)

    tables = ["hive.raw.listings", "hive.raw.crawl_manifests", "hive.raw.fx_rates"]
    first = setup(lake_a.lake_url)
    assert sorted(first["created"] + first["recreated"]) == sorted(tables)
    again = setup(lake_a.lake_url)
    assert again["kept"] == tables and again["created"] == again["recreated"] == []
    assert again["synced"] == ["listings", "crawl_manifests", "fx_rates"]
    (create,) = rows(trino, "show create table hive.raw.listings")[0]
    assert f"external_location = 'local://{os.path.abspath(lake_a.lake_url)}/raw/listings'" in create
    assert rows(trino, "select count(*), count(distinct snapshot_date) from hive.raw.listings "
                       "where listing_id like 'a-%'") == [(5, 2)]

    other = setup(lake_b.lake_url)
    assert other["recreated"] == tables
    assert rows(trino, "select listing_id from hive.raw.listings order by 1") == [("b-1",), ("b-2",)]
    assert rows(trino, "select snapshot_date, item_count from hive.raw.crawl_manifests") == [(D1, 2)]

    # an S3 lake (the server's S3 stand-in): s3:// as it is
    s3 = trino.s3_client()
    s3.create_bucket(Bucket="radar-trino-setup")
    for path in sorted(Path(lake_a.lake_url).rglob("*.parquet")):
        s3.upload_file(str(path), "radar-trino-setup", f"lake/{path.relative_to(lake_a.lake_url).as_posix()}")
    try:
        on_s3 = setup("s3://radar-trino-setup/lake", RADAR_S3_ENDPOINT_URL=trino.s3_endpoint, **AWS_TEST_ENV)
        assert on_s3["recreated"] == tables
        (create,) = rows(trino, "show create table hive.raw.listings")[0]
        assert "external_location = 's3://radar-trino-setup/lake/raw/listings'" in create
        assert rows(trino, "select count(*) from hive.raw.listings") == [(5,)]
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="radar-trino-setup"):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket="radar-trino-setup", Key=obj["Key"])


def test_trino_setup_without_a_trino_url_is_a_clear_error(monkeypatch, capsys):
    from cli.main import main

    monkeypatch.delenv("RADAR_TRINO_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert main(["trino", "setup"]) == 2
    finally:
        get_settings.cache_clear()
    assert "RADAR_TRINO_URL" in capsys.readouterr().err


# ------------------------------------------------------------------ the partitions a dated run registers


def partitions(server, table: str) -> list[tuple]:
    return rows(server, f'select marketplace, snapshot_date from hive.raw."{table}$partitions" order by 1, 2')


def publish_rates(settings: RadarSettings, fetch_date: date) -> None:
    import pyarrow as pa

    from radar.lake import FX_RATE_SCHEMA, Lake, publish_fx_rates

    table = pa.table({"rate_date": [fetch_date], "currency": ["CAD"], "units_per_eur": [1.5],
                      "source_url": ["test://rates"]}, schema=FX_RATE_SCHEMA)
    publish_fx_rates(Lake.from_url(settings.lake_url, settings), fetch_date, "daily", table,
                     {"source_url": "test://rates", "row_count": 1})


@pytest.mark.parametrize("where", ["local", "s3"])
def test_a_dated_run_registers_only_its_days_partitions(trino, tmp_path, monkeypatch, where):
    """No sync of the whole lake: the run's days (and a day it widens to) are registered one
    partition at a time; a marketplace without a directory for a day, or a day without any, has
    no partition and fails nothing; registering again changes nothing; a directory gone since
    is unregistered."""
    from transformations.engines import TrinoEngine

    lake = write_lake(tmp_path / "lake", DAYS, "r")
    for day in (DAYS[0], DAYS[1], DAYS[3]):  # vsp has no DAYS[2] (nor DAYS[4])
        publish(lake, "vsp", day, [listing("vsp", f"v-{day.day}", day, "500")])
    lake_url = lake.lake_url
    if where == "s3":
        for name, value in {**AWS_TEST_ENV, "RADAR_S3_ENDPOINT_URL": trino.s3_endpoint}.items():
            monkeypatch.setenv(name, value)
        bucket = f"radar-register-{os.getpid()}"
        s3 = trino.s3_client()
        s3.create_bucket(Bucket=bucket)
        for path in sorted(Path(lake_url).rglob("*")):
            if path.is_file():
                s3.upload_file(str(path), bucket, f"lake/{path.relative_to(lake_url).as_posix()}")
        lake_url = f"s3://{bucket}/lake"
    settings = on_trino(trino, lake_url, **({"s3_endpoint_url": trino.s3_endpoint} if where == "s3" else {}))
    today = datetime.now(UTC).date()
    publish_rates(settings, today - timedelta(days=1))

    def prepare(days) -> TrinoEngine:
        engine = TrinoEngine.from_settings(settings)
        try:
            engine.prepare_sources(settings, [], days=days)
        finally:
            engine.close()
        return engine

    # a fresh table (another lake than the last test's): no partition until a run registers them
    first = prepare((DAYS[2], DAYS[2]))
    calls = [s for s in first.statements if s.startswith("call ")]
    assert not [s for s in calls if "sync_partition_metadata('raw', 'listings'" in s
                or "sync_partition_metadata('raw', 'crawl_manifests'" in s]
    assert partitions(trino, "listings") == partitions(trino, "crawl_manifests") == [("rebag", DAYS[2])]
    assert rows(trino, "select count(*) from hive.raw.listings") == [(4,)]  # rebag's 4 on DAYS[2]
    # raw.fx_rates (read whole): none registered yet, so its full sync, once
    assert "call hive.system.sync_partition_metadata('raw', 'fx_rates', 'FULL')" in calls
    fetches = 'select fetch_date, feed from hive.raw."fx_rates$partitions" order by 1'
    assert rows(trino, fetches) == [(today - timedelta(days=1), "daily")]

    publish_rates(settings, today)
    again = prepare((DAYS[2], DAYS[2]))  # idempotent: nothing registered twice
    assert [s for s in again.statements if "register_partition" in s or "sync_partition" in s] == [
        "call hive.system.register_partition('raw', 'fx_rates', array['fetch_date', 'feed'], "
        f"array['{today}', 'daily'], '{trino_location(lake_url)}/raw/fx_rates/fetch_date={today}/feed=daily')"
    ]  # only the new fetch day
    assert partitions(trino, "listings") == [("rebag", DAYS[2])]
    assert rows(trino, fetches) == [(today - timedelta(days=1), "daily"), (today, "daily")]

    # widened by the runner (a look-back, a day a model lacks): those days join
    engine = TrinoEngine.from_settings(settings)
    engine.prepare_sources(settings, [], days=(DAYS[2], DAYS[2]))
    engine.bound_sources((DAYS[1], DAYS[3]))
    assert engine.lake_days() == DAYS  # from the directories' names, not the metastore
    engine.close()
    assert partitions(trino, "crawl_manifests") == [
        ("rebag", DAYS[1]), ("rebag", DAYS[2]), ("rebag", DAYS[3]), ("vsp", DAYS[1]), ("vsp", DAYS[3])]

    # a day the lake lacks altogether fails nothing and registers nothing
    missing = prepare((DAYS[4] + timedelta(days=30), DAYS[4] + timedelta(days=30)))
    assert not [s for s in missing.statements if "register_partition" in s]

    # a partition whose directory is gone is unregistered by the next run of its day
    if where == "s3":
        prefix = "lake/raw/listings/marketplace=vsp/snapshot_date=2025-04-04/"
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
    else:
        import shutil

        shutil.rmtree(Path(lake_url) / "raw/listings/marketplace=vsp/snapshot_date=2025-04-04")
    prepare((DAYS[3], DAYS[3]))
    assert partitions(trino, "listings") == [("rebag", DAYS[1]), ("rebag", DAYS[2]), ("rebag", DAYS[3]),
                                             ("vsp", DAYS[1])]
    assert rows(trino, "select count(*) from hive.raw.listings where snapshot_date = date '2025-04-04'") == [(5,)]

    # a full run syncs everything
    prepare(None)
    assert len(partitions(trino, "listings")) == 5 + 2
    if where == "s3":
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=obj["Key"])


# ------------------------------------------------------------------ the days a model holds


def test_a_daily_run_on_trino_fills_the_days_a_model_lacks(trino, tmp_path):
    lake = write_lake(tmp_path / "lake", DAYS, "g")
    settings = on_trino(trino, lake.lake_url)
    sql = write_test_models(tmp_path / "sql")
    drop_tables(trino, [DAYS_MODEL, TOTALS_MODEL])

    def build(start, end, **options):
        result = run_transformations(settings, dialect="trino", start_date=start, end_date=end, sql_dir=sql,
                                     seeds_dir=tmp_path, **options)
        return {run.name: run.intervals for run in result.models}

    assert build(DAYS[0], DAYS[2], full_refresh=True)[DAYS_MODEL] == [(DAYS[0], DAYS[2])]
    # day 4 is skipped: the run for day 5 builds it first (day 5 looks back at it)
    assert build(DAYS[4], DAYS[4])[DAYS_MODEL] == [(DAYS[3], DAYS[3]), (DAYS[4], DAYS[4])]
    held = rows(trino, f"select day from iceberg.{MODEL_DAYS_TABLE} where model = '{DAYS_MODEL}' order by 1")
    assert [day for (day,) in held] == DAYS
    assert build(DAYS[4], DAYS[4])[DAYS_MODEL] == [(DAYS[4], DAYS[4])]  # nothing lacking any more
    daily = rows(trino, f"select * from iceberg.{DAYS_MODEL} order by snapshot_date")

    # a day lost from the model (and its bookkeeping) is built again by the next run
    connection = trino.connect()
    cursor = connection.cursor()
    for statement in (f"delete from iceberg.{DAYS_MODEL} where snapshot_date = date '{DAYS[1]}'",
                      f"delete from iceberg.{MODEL_DAYS_TABLE} where model = '{DAYS_MODEL}' and day = date '{DAYS[1]}'"):
        cursor.execute(statement)
        cursor.fetchall()
    connection.close()
    assert build(DAYS[4], DAYS[4])[DAYS_MODEL] == [(day, day) for day in DAYS[1:]]
    assert rows(trino, f"select * from iceberg.{DAYS_MODEL} order by snapshot_date") == daily

    build(None, None)  # a full rebuild gives the same rows
    assert rows(trino, f"select * from iceberg.{DAYS_MODEL} order by snapshot_date") == daily
    assert [(r[1], r[2], r[3]) for r in daily] == [(day, n + 2, n + 1 if n else 0) for n, day in enumerate(DAYS)]


# ------------------------------------------------------------------ atomic publishing


def test_each_publish_is_one_commit_and_a_reader_never_finds_a_table_or_a_day_missing(trino, tmp_path, monkeypatch):
    """A second connection reads both models after every statement of a rebuild (a reader
    between any two steps) and the Iceberg snapshot history counts the commits."""
    from transformations.engines import TrinoEngine

    lake = write_lake(tmp_path / "lake", DAYS[:3], "p")
    settings = on_trino(trino, lake.lake_url)
    sql = write_test_models(tmp_path / "sql")
    drop_tables(trino, [DAYS_MODEL, TOTALS_MODEL])
    run_transformations(settings, dialect="trino", start_date=DAYS[0], end_date=DAYS[2], full_refresh=True,
                        sql_dir=sql, seeds_dir=tmp_path)
    before = {name: snapshots(trino, name) for name in (DAYS_MODEL, TOTALS_MODEL)}
    expected_days = rows(trino, f"select snapshot_date, listings from iceberg.{DAYS_MODEL} order by 1")
    expected_totals = rows(trino, f"select * from iceberg.{TOTALS_MODEL}")
    assert len(expected_days) == 3

    reader = trino.connect().cursor()
    seen: list[str] = []
    original = TrinoEngine._execute

    def execute_then_read(engine, statement):
        original(engine, statement)
        reader.execute(f"select snapshot_date, listings from iceberg.{DAYS_MODEL} order by 1")
        days = [tuple(row) for row in reader.fetchall()]
        reader.execute(f"select * from iceberg.{TOTALS_MODEL}")  # fails if the table is missing
        totals = [tuple(row) for row in reader.fetchall()]
        assert days == expected_days, f"after {statement[:80]!r} a reader saw {days}"
        assert totals == expected_totals, f"after {statement[:80]!r} a reader saw {totals}"
        seen.append(statement)

    monkeypatch.setattr(TrinoEngine, "_execute", execute_then_read)
    result = run_transformations(settings, dialect="trino", start_date=DAYS[1], end_date=DAYS[2],
                                 sql_dir=sql, seeds_dir=tmp_path)
    monkeypatch.undo()
    assert [run.intervals for run in result.models] == [[(DAYS[1], DAYS[1]), (DAYS[2], DAYS[2])],
                                                          [(DAYS[1], DAYS[2])]]
    assert any(s.startswith(f"merge into iceberg.{DAYS_MODEL}") for s in seen)
    assert any(s.startswith(f"create or replace table iceberg.{TOTALS_MODEL}") for s in seen)
    after = {name: snapshots(trino, name) for name in (DAYS_MODEL, TOTALS_MODEL)}
    # one snapshot per published day, one per table rebuild (comments are no snapshots)
    assert len(after[DAYS_MODEL]) - len(before[DAYS_MODEL]) == 2
    assert len(after[TOTALS_MODEL]) - len(before[TOTALS_MODEL]) == 1


# ------------------------------------------------------------------ radar transform over a local lake


def test_radar_transform_on_trino_over_a_local_lake_builds_every_model_with_its_comments(trino, tmp_path, monkeypatch, capsys):
    from cli.main import main

    lake = write_lake(tmp_path / "lake", DAYS[:2], "t")
    models = load_models()
    drop_tables(trino, sorted(models))
    for name, value in {"RADAR_ENGINE": "trino", "RADAR_TRINO_URL": trino.radar_trino_url,
                        "RADAR_LAKE_URL": lake.lake_url}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert main(["transform", "--start-date", DAYS[0].isoformat(), "--end-date", DAYS[1].isoformat()]) == 0
    finally:
        get_settings.cache_clear()
    summary = json.loads(capsys.readouterr().out)
    assert summary["dialect"] == "trino" and summary["documentation_problems"] == {}
    assert set(summary["models"]) == set(models)
    assert rows(trino, "select snapshot_date, count(*) from iceberg.staging.stg_rebag__listings group by 1 order by 1") \
        == [(DAYS[0], 2), (DAYS[1], 3)]
    assert rows(trino, "select snapshot_date, count(*) from iceberg.marts.fct_listing_daily group by 1 order by 1") \
        == [(DAYS[0], 2), (DAYS[1], 3)]

    # what Tableau shows: every model's description and every column's, from its YAML
    table_comments = {f"{schema}.{table}": comment for schema, table, comment in rows(
        trino, "select schema_name, table_name, comment from system.metadata.table_comments "
               "where catalog_name = 'iceberg' and schema_name in ('staging', 'intermediate', 'marts')")}
    for name, model in models.items():
        assert table_comments[name] == model.description, name
        column_comments = {column: comment for column, _type, _extra, comment in rows(trino, f"show columns from iceberg.{name}")}
        assert column_comments == {column.name: column.description for column in model.columns}, name
