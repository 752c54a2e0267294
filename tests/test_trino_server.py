"""The project's own Trino (ops/trino/trino.py, `make trino`): a real single-node server on 127.0.0.1
with the catalogs the pipeline uses, `iceberg` for the models and `hive` for the raw lake's
external tables, both on a file metastore, reading the local file system and the S3 stand-in
started beside it (docs/operations.md, "A local Trino").

Marked `trino`; CI runs it (`make test` starts the server first) and it fails there, never skips,
when the server cannot start.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import jinja2
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from radar.lake import DATA_FILE, LISTINGS_DIR, MANIFEST_FILE, RAW_LISTING_SCHEMA
from tests.trino_fixtures import SCRIPT, trino_home, trino_server  # noqa: F401
from transformations.engines import DDL_DIR

pytestmark = pytest.mark.trino

EXPECTED_VERSION = "476"


def run(cursor, sql: str) -> list[list]:
    cursor.execute(sql)
    return cursor.fetchall()


@pytest.fixture
def cursor(trino_server):
    connection = trino_server.connect()
    yield connection.cursor()
    connection.close()


@pytest.fixture
def scratch_schema(cursor):
    """A schema of its own in the shared metastore (the server outlives the test), dropped after."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    # Both catalogs list every table of the shared metastore; hive redirects Iceberg tables.
    for (table,) in run(cursor, f"select table_name from hive.information_schema.tables where table_schema = '{name}'"):
        run(cursor, f'drop table if exists hive.{name}."{table}"')
    run(cursor, f"drop schema if exists hive.{name}")
    shutil.rmtree(trino_home() / "metastore" / name, ignore_errors=True)  # the file metastore keeps empty folders


def test_the_server_answers_on_loopback_with_one_coordinator(trino_server, cursor):
    with urllib.request.urlopen(f"{trino_server.url}/v1/info", timeout=10) as answer:
        info = json.loads(answer.read())
    assert info["starting"] is False
    assert info["coordinator"] is True
    assert info["nodeVersion"]["version"] == EXPECTED_VERSION
    assert trino_server.url.startswith("http://127.0.0.1:")
    nodes = run(cursor, "select node_version, coordinator, state from system.runtime.nodes")
    assert nodes == [[EXPECTED_VERSION, True, "active"]]
    catalogs = {row[0] for row in run(cursor, "show catalogs")}
    assert {"iceberg", "hive", "system"} <= catalogs


def test_starting_again_reuses_the_running_server(trino_server):
    started = time.monotonic()
    again = subprocess.run([sys.executable, str(SCRIPT), "start", "--home", str(trino_home())],
                           capture_output=True, text=True, timeout=120, check=True)
    assert again.stdout.strip() == trino_server.radar_trino_url
    assert "already running" in again.stderr
    state = json.loads((trino_home() / "state.json").read_text())
    assert (state["pid"], state["port"]) == (trino_server.pid, trino_server.port)
    assert time.monotonic() - started < 30  # no install, no second JVM


def test_the_url_command_prints_a_radar_trino_url(trino_server):
    from radar.settings import RadarSettings
    from transformations.engines import connect_trino

    url = subprocess.run([sys.executable, str(SCRIPT), "url", "--home", str(trino_home())],
                         capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert url == f"http://radar@127.0.0.1:{trino_server.port}/iceberg/marts"
    connection = connect_trino(RadarSettings(trino_url=url))  # the project's own client reads it
    try:
        cursor = connection.cursor()
        assert run(cursor, "select current_user, current_catalog, current_schema") == [["radar", "iceberg", "marts"]]
    finally:
        connection.close()


def test_an_iceberg_table_is_created_written_and_read_back(cursor, scratch_schema):
    table = f"iceberg.{scratch_schema}.prices"
    run(cursor, f"create schema iceberg.{scratch_schema}")
    run(cursor, f"create table {table} (listing_id varchar, price decimal(12,2), snapshot_date date, "
                f"scraped_at timestamp(6) with time zone) with (partitioning = array['snapshot_date'])")
    run(cursor, f"insert into {table} values "
                f"('a1', decimal '1360.00', date '2026-09-05', timestamp '2026-09-05 06:01:02.123456 UTC'), "
                f"('a2', decimal '99.99', date '2026-09-06', timestamp '2026-09-06 06:00:00 UTC')")
    snapshots = f'select count(*) from iceberg.{scratch_schema}."prices$snapshots"'
    before = run(cursor, snapshots)[0][0]
    run(cursor, f"insert into {table} values ('a1', decimal '1290.00', date '2026-09-06', "
                f"timestamp '2026-09-06 06:00:01 UTC')")
    assert run(cursor, snapshots) == [[before + 1]]  # an Iceberg table: one snapshot per commit

    rows = run(cursor, f"select listing_id, price, snapshot_date, scraped_at from {table} order by snapshot_date, listing_id")
    assert [r[:3] for r in rows] == [
        ["a1", Decimal("1360.00"), date(2026, 9, 5)],
        ["a1", Decimal("1290.00"), date(2026, 9, 6)],
        ["a2", Decimal("99.99"), date(2026, 9, 6)],
    ]
    assert rows[0][3] == datetime(2026, 9, 5, 6, 1, 2, 123456, tzinfo=UTC)
    files = run(cursor, f'select file_path from iceberg.{scratch_schema}."prices$files"')
    assert len(files) == 3  # one file per partition and insert, under the file metastore's directory
    assert all(path.startswith(f"local://{trino_home()}/metastore/{scratch_schema}/prices-") for (path,) in files)
    # CREATE OR REPLACE swaps the table in one commit (what publishing a model will use).
    run(cursor, f"create or replace table {table} as select listing_id, price, snapshot_date, scraped_at "
                f"from {table} where listing_id = 'a2'")
    assert run(cursor, snapshots) == [[before + 2]]
    assert run(cursor, f"select listing_id from {table}") == [["a2"]]


def write_raw_partition(filesystem: pafs.FileSystem, lake: str, marketplace: str, day: date, rows: list[dict]) -> str:
    """One day of raw listings as radar/lake.py lays it out: the Parquet file and its _manifest.json."""
    partition = f"{lake}/{LISTINGS_DIR}/marketplace={marketplace}/snapshot_date={day.isoformat()}"
    filesystem.create_dir(partition)
    columns = {field.name: [row.get(field.name) for row in rows] for field in RAW_LISTING_SCHEMA}
    pq.write_table(pa.Table.from_pydict(columns, schema=RAW_LISTING_SCHEMA), f"{partition}/{DATA_FILE}", filesystem=filesystem)
    with filesystem.open_output_stream(f"{partition}/{MANIFEST_FILE}") as out:
        out.write(json.dumps({"item_count": len(rows), "complete": True}).encode())
    return partition


def listing(listing_id: str, price: str, scraped_at: datetime) -> dict:
    return {"listing_id": listing_id, "url": f"https://example.test/products/{listing_id}",
            "title": "Hermès Birkin 30 Togo", "price": Decimal(price), "currency": "USD",
            "available": True, "scraped_at": scraped_at, "raw_attributes": json.dumps({"handle": listing_id})}


def raw_listings_ddl(schema: str, lake_url: str) -> str:
    """The project's own DDL for raw.listings (transformations/ddl/10_raw_listings.sql), in a scratch
    schema. A local lake is local:///<absolute path> to Trino's local file system."""
    text = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(
        (DDL_DIR / "10_raw_listings.sql").read_text()).render(raw_catalog="hive", lake_url=lake_url)
    statement = next(s for s in re.split(r";[ \t]*(?:\n|$)", text) if "create table" in s.lower())
    assert "hive.raw.listings" in statement
    return statement.replace("hive.raw.listings", f"hive.{schema}.listings")


def check_raw_listings_after_partition_syncs(cursor, schema: str, filesystem: pafs.FileSystem, lake: str, lake_url: str):
    seen = datetime(2026, 9, 5, 6, 0, 1, 250000, tzinfo=UTC)
    write_raw_partition(filesystem, lake, "rebag", date(2026, 9, 5),
                        [listing("r1", "1360.00", seen), listing("r2", "850.50", seen)])
    write_raw_partition(filesystem, lake, "fashionphile", date(2026, 9, 5), [listing("f1", "2100.00", seen)])
    table = f"hive.{schema}.listings"
    run(cursor, f"create schema hive.{schema}")
    run(cursor, raw_listings_ddl(schema, lake_url))

    assert run(cursor, f"select count(*) from {table}") == [[0]]  # no partition registered yet
    run(cursor, f"call hive.system.sync_partition_metadata('{schema}', 'listings', 'FULL')")
    rows = run(cursor, f"select marketplace, snapshot_date, listing_id, price, scraped_at, "
                       f"json_extract_scalar(raw_attributes, '$.handle') from {table} order by listing_id")
    at = datetime(2026, 9, 5, 6, 0, 1, 250000)  # timestamp(3), UTC
    assert rows == [
        ["fashionphile", date(2026, 9, 5), "f1", Decimal("2100.00"), at, "f1"],
        ["rebag", date(2026, 9, 5), "r1", Decimal("1360.00"), at, "r1"],
        ["rebag", date(2026, 9, 5), "r2", Decimal("850.50"), at, "r2"],
    ]

    # A new day is a new directory: invisible until the next sync, which also forgets removed days.
    write_raw_partition(filesystem, lake, "rebag", date(2026, 9, 6), [listing("r1", "1290.00", seen)])
    assert run(cursor, f"select count(*) from {table} where snapshot_date = date '2026-09-06'") == [[0]]
    filesystem.delete_dir(f"{lake}/{LISTINGS_DIR}/marketplace=fashionphile/snapshot_date=2026-09-05")
    run(cursor, f"call hive.system.sync_partition_metadata('{schema}', 'listings', 'FULL')")
    partitions = run(cursor, f'select marketplace, snapshot_date from hive.{schema}."listings$partitions" order by 1, 2')
    assert partitions == [["rebag", date(2026, 9, 5)], ["rebag", date(2026, 9, 6)]]
    assert run(cursor, f"select price from {table} where snapshot_date = date '2026-09-06'") == [[Decimal("1290.00")]]


def test_a_hive_external_table_reads_a_local_raw_lake_after_a_partition_sync(cursor, scratch_schema, tmp_path):
    lake = str(tmp_path / "lake")
    check_raw_listings_after_partition_syncs(cursor, scratch_schema, pafs.LocalFileSystem(), lake, f"local://{lake}")


def test_a_hive_external_table_reads_a_raw_lake_on_the_s3_stand_in(trino_server, cursor, scratch_schema):
    bucket = f"lake-{scratch_schema.replace('_', '-')}"
    s3 = trino_server.s3_client()
    s3.create_bucket(Bucket=bucket)
    host_port = trino_server.s3_endpoint.removeprefix("http://")
    filesystem = pafs.S3FileSystem(endpoint_override=host_port, scheme="http", access_key="testing",
                                   secret_key="testing", region="us-east-1")
    try:
        check_raw_listings_after_partition_syncs(cursor, scratch_schema, filesystem, f"{bucket}/radar",
                                                 f"s3://{bucket}/radar")
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)


def test_a_file_uri_location_reads_nothing_so_local_lakes_need_local_uris(cursor, scratch_schema, tmp_path):
    """Trino 476 has no file system for file:// here: the table is created and the partitions are
    listed, but no row is read. The engine must hand Trino local:///<path> for a local lake."""
    lake = str(tmp_path / "lake")
    seen = datetime(2026, 9, 5, 6, 0, 1, tzinfo=UTC)
    write_raw_partition(pafs.LocalFileSystem(), lake, "rebag", date(2026, 9, 5), [listing("r1", "1360.00", seen)])
    run(cursor, f"create schema hive.{scratch_schema}")
    run(cursor, raw_listings_ddl(scratch_schema, f"file://{lake}"))
    run(cursor, f"call hive.system.sync_partition_metadata('{scratch_schema}', 'listings', 'FULL')")
    assert run(cursor, f"select count(*) from hive.{scratch_schema}.listings") == [[0]]


def test_the_catalogs_share_one_file_metastore_and_redirect_to_each_other(cursor, scratch_schema):
    """One metastore serves both catalogs, as production's Glue does: a schema made through hive is
    seen by iceberg, and a table of the other kind is read through its own connector."""
    run(cursor, f"create schema hive.{scratch_schema}")
    assert [scratch_schema] in run(cursor, "show schemas from iceberg")
    assert (trino_home() / "metastore" / f".{scratch_schema}.trinoSchema").exists()
    run(cursor, f"create table iceberg.{scratch_schema}.model as select 1 as n")
    run(cursor, f"create table hive.{scratch_schema}.raw_rows as select 2 as n")
    assert run(cursor, f"select n from hive.{scratch_schema}.model") == [[1]]
    assert run(cursor, f"select n from iceberg.{scratch_schema}.raw_rows") == [[2]]
    assert run(cursor, f"select count(*) from iceberg.{scratch_schema}.\"model$snapshots\"")[0][0] >= 1


def script_in(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--home", str(home)], capture_output=True,
                          text=True, timeout=120, check=False, env={**os.environ, **env})


def test_a_java_older_than_24_fails_loudly_before_anything_is_fetched(tmp_path):
    java17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
    for java_home, said in ((tmp_path / "no-jdk", "no bin/java"), (java17, "Java 17")):
        if said == "Java 17" and not java17.exists():
            continue  # only where Debian's Java 17 lies (the dev and CI machines)
        done = script_in(tmp_path / "home", "start", TRINO_JAVA_HOME=str(java_home))
        assert done.returncode == 1
        assert "needs Java 24+" in done.stderr and said in done.stderr
        assert not (tmp_path / "home" / "state.json").exists()
        assert not list((tmp_path / "home").glob("trino-server-*"))


def test_a_failed_maven_fetch_fails_loudly_and_installs_nothing(tmp_path):
    done = script_in(tmp_path / "home", "install", "--maven-repo-local", "/dev/null/repository")
    assert done.returncode == 1
    assert "Maven failed" in done.stderr and "io.trino:trino-server-core:476:tar.gz" in done.stderr
    assert not list((tmp_path / "home").glob("trino-server-*"))
