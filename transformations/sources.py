"""Raw sources (the lake) and seeds (CSV reference data), as tables the models can read.

raw.listings and raw.crawl_manifests have the columns of radar.lake's Parquet schemas plus
the hive partition columns marketplace (varchar) and snapshot_date (date); raw.fx_rates has
FX_RATE_SCHEMA plus fetch_date (date) and feed (varchar). Timestamps are plain TIMESTAMP in UTC on both engines
(what Trino's Hive connector returns for Parquet).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import yaml

from radar.lake import (
    FX_RATE_SCHEMA,
    FX_RATES_DIR,
    LISTINGS_DIR,
    MANIFEST_SCHEMA,
    MANIFESTS_DIR,
    RAW_LISTING_SCHEMA,
    s3_filesystem,
)
from radar.settings import RadarSettings
from transformations.models import days_between

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"
PARTITION_COLUMNS = (("marketplace", "varchar"), ("snapshot_date", "date"))
FX_PARTITION_COLUMNS = (("fetch_date", "date"), ("feed", "varchar"))


@dataclass(frozen=True)
class RawSource:
    name: str  # "raw.<table>"
    lake_dir: str  # relative to the lake root
    columns: tuple[tuple[str, str], ...]  # (name, Trino type), partition columns last
    partition_columns: tuple[tuple[str, str], ...] = PARTITION_COLUMNS  # hive directories, outermost first

    @property
    def table(self) -> str:
        return self.name.split(".")[1]

    @property
    def day_column(self) -> str:
        """The partition column holding the day (snapshot_date, or fx_rates' fetch_date)."""
        return next(name for name, trino_type in self.partition_columns if trino_type == "date")


def _trino_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_decimal(arrow_type):
        return f"decimal({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp(3)"  # the Hive connector's default precision
    simple = {pa.string(): "varchar", pa.bool_(): "boolean", pa.int64(): "bigint", pa.int32(): "integer",
              pa.float64(): "double", pa.date32(): "date"}
    if arrow_type not in simple:
        raise TypeError(f"no Trino type for lake column type {arrow_type}")
    return simple[arrow_type]


def _raw_source(name: str, lake_dir: str, schema: pa.Schema, partitions=PARTITION_COLUMNS) -> RawSource:
    columns = tuple((field.name, _trino_type(field.type)) for field in schema) + partitions
    return RawSource(name, lake_dir, columns, partitions)


_ARROW_SCHEMAS = {"raw.listings": RAW_LISTING_SCHEMA, "raw.crawl_manifests": MANIFEST_SCHEMA,
                  "raw.fx_rates": FX_RATE_SCHEMA}

# The sources partitioned by snapshot day, which a dated run reads only for the days it builds.
DAY_PARTITIONED_SOURCES = frozenset({"raw.listings", "raw.crawl_manifests"})

RAW_SOURCES = (
    _raw_source("raw.listings", LISTINGS_DIR, RAW_LISTING_SCHEMA),
    _raw_source("raw.crawl_manifests", MANIFESTS_DIR, MANIFEST_SCHEMA),
    _raw_source("raw.fx_rates", FX_RATES_DIR, FX_RATE_SCHEMA, FX_PARTITION_COLUMNS),
)


class LakeUnreadable(RuntimeError):
    """The lake cannot be read (an S3 error, a missing bucket): never taken for "no data"."""


# ------------------------------------------------------------------- DuckDB


def register_raw_sources_duckdb(con, settings: RadarSettings, days: tuple[date, date] | None = None) -> None:
    """(Re)create raw.* views over the lake. An empty lake gives empty views with the right columns.

    days (first, last): raw.listings and raw.crawl_manifests read only the partitions of those
    snapshot days, found by their paths (no listing or reading of other days' files); None: the
    whole lake. raw.fx_rates is always read whole (one small file a fetch)."""
    con.execute("create schema if not exists raw")
    for source in RAW_SOURCES:
        bounded = days if source.name in DAY_PARTITIONED_SOURCES else None
        relation = _lake_relation_sql(con, settings, source, bounded)
        con.execute(f"create or replace view {source.name} as {relation}")


def lake_snapshot_days(settings: RadarSettings) -> list[date]:
    """Every snapshot day the lake has a listings or manifests partition for, from the partition
    directories' names alone (no file is listed or read)."""
    days: set[date] = set()
    for source in RAW_SOURCES:
        if source.name in DAY_PARTITIONED_SOURCES:
            for _, day_directories in _partition_directories(settings, source):
                days.update(day_directories)
    return sorted(days)


def _partition_directories(settings: RadarSettings, source: RawSource) -> list[tuple[str, dict[date, str]]]:
    """[(marketplace directory, {snapshot day: its directory})] of a day-partitioned source,
    by listing the marketplace directories and each one's day directories (names only)."""
    (outer, _), (inner, _) = source.partition_columns
    found = []
    for directory in _child_directories(settings, _source_root(settings, source), f"{outer}="):
        day_directories = {}
        for day_directory in _child_directories(settings, directory, f"{inner}="):
            try:
                day_directories[date.fromisoformat(day_directory.rsplit("=", 1)[1])] = day_directory
            except ValueError:
                continue  # not a day: never written by the lake
        found.append((directory, day_directories))
    return found


def _source_root(settings: RadarSettings, source: RawSource) -> str:
    if settings.lake_url.startswith("s3://"):
        return f"{settings.lake_url.removeprefix('s3://').rstrip('/')}/{source.lake_dir}"
    return os.path.join(_local_root(settings.lake_url), source.lake_dir)


def _local_root(lake_url: str) -> str:
    root = os.path.abspath(lake_url.removeprefix("file://"))
    if os.path.exists(root) and not os.path.isdir(root):
        raise LakeUnreadable(f"the lake {lake_url} cannot be read: it is a file, not a directory")
    return root


def _child_directories(settings: RadarSettings, path: str, prefix: str) -> list[str]:
    """Paths of the directories directly under path whose names start with prefix (sorted)."""
    if not settings.lake_url.startswith("s3://"):
        try:
            with os.scandir(path) as entries:
                return sorted(e.path for e in entries if e.is_dir() and e.name.startswith(prefix))
        except FileNotFoundError:
            return []
    try:
        infos = s3_filesystem(settings).get_file_info(pafs.FileSelector(path, allow_not_found=True))
    except OSError as error:
        raise LakeUnreadable(f"the lake {settings.lake_url} cannot be read: {error}") from error
    return sorted(i.path for i in infos if i.type == pafs.FileType.Directory and i.base_name.startswith(prefix))


def _day_files(settings: RadarSettings, source: RawSource, days: tuple[date, date]) -> list[str]:
    """The Parquet files of the partitions of days first..last: each marketplace's day
    directories are listed by name, and only the wanted days' directories are opened."""
    first, last = days
    files = []
    for _, day_directories in _partition_directories(settings, source):
        for day, directory in sorted(day_directories.items()):
            if first <= day <= last:
                files += _parquet_files(settings, directory)
    return files


def _parquet_files(settings: RadarSettings, directory: str) -> list[str]:
    if not settings.lake_url.startswith("s3://"):
        with os.scandir(directory) as entries:
            return sorted(e.path for e in entries if e.is_file() and e.name.endswith(".parquet"))
    try:
        infos = s3_filesystem(settings).get_file_info(pafs.FileSelector(directory, allow_not_found=True))
    except OSError as error:
        raise LakeUnreadable(f"the lake {settings.lake_url} cannot be read: {error}") from error
    return sorted(i.path for i in infos if i.type == pafs.FileType.File and i.base_name.endswith(".parquet"))


def _lake_relation_sql(con, settings: RadarSettings, source: RawSource, days: tuple[date, date] | None = None) -> str:
    if settings.lake_url.startswith("s3://"):
        scan, present = _register_s3_dataset(con, settings, source, days)
    else:
        scan, present = _local_parquet_scan(con, settings, source, days)
    if scan is None:
        return _empty_relation_sql(source)
    return _typed_projection_sql(source, scan, present)


def _local_parquet_scan(con, settings: RadarSettings, source: RawSource,
                        days: tuple[date, date] | None = None) -> tuple[str | None, set[str]]:
    root = _local_root(settings.lake_url)
    if days is None:
        directories = "/".join(f"{name}=*" for name, _ in source.partition_columns)
        # The root is a literal path: `lakes[1]` is a folder's name, not a pattern (DuckDB reads
        # the same escapes as Python's glob).
        pattern = f"{glob.escape(root)}/{source.lake_dir}/{directories}/*.parquet"
        if not glob.glob(pattern):
            return None, set()
        paths = [pattern]
    else:
        # Literal file paths, escaped as DuckDB would read a pattern.
        paths = [glob.escape(path) for path in _day_files(settings, source, days)]
        if not paths:
            return None, set()
    listed = ", ".join("'" + path.replace("'", "''") + "'" for path in paths)
    hive_types = ", ".join(f"'{name}': '{trino_type.upper()}'" for name, trino_type in source.partition_columns)
    scan = (
        f"read_parquet([{listed}], hive_partitioning = true, union_by_name = true, "
        f"hive_types = {{{hive_types}}})"
    )
    present = {row[0] for row in con.execute(f"describe select * from {scan}").fetchall()}
    return scan, present


def _register_s3_dataset(con, settings: RadarSettings, source: RawSource,
                         days: tuple[date, date] | None = None) -> tuple[str | None, set[str]]:
    """DuckDB's httpfs cannot be downloaded here: read S3 through pyarrow and register the dataset.
    The registration lives as long as the connection, so the runner re-registers on every run.
    days: only the files of those days' partitions (each day's directory listed on its own)."""
    bucket_prefix = settings.lake_url.removeprefix("s3://").rstrip("/")
    arrow_types = {"varchar": pa.string(), "date": pa.date32()}
    partitioning = pads.partitioning(
        pa.schema([(name, arrow_types[trino_type]) for name, trino_type in source.partition_columns]), flavor="hive"
    )
    # The declared schema, not the first file's: a column newer files have (e.g. the manifests'
    # movement counts) must not vanish when an older file is found first; older files read NULL.
    declared = pa.schema([*_ARROW_SCHEMAS[source.name], *partitioning.schema])
    path = f"{bucket_prefix}/{source.lake_dir}"
    filesystem = s3_filesystem(settings)
    try:
        if filesystem.get_file_info(path).type == pafs.FileType.NotFound:
            _check_bucket(filesystem, settings.lake_url)  # a prefix not written yet, or no bucket at all?
            return None, set()
        if days is None:
            dataset = pads.dataset(path, filesystem=filesystem, format="parquet", partitioning=partitioning,
                                   schema=declared)
        else:
            files = _day_files(settings, source, days)
            if not files:
                return None, set()
            dataset = pads.dataset(files, filesystem=filesystem, format="parquet", partitioning=partitioning,
                                   partition_base_dir=path, schema=declared)
    except OSError as error:  # unreachable endpoint, access denied, a broken file: never "no data"
        raise LakeUnreadable(f"the lake {settings.lake_url} cannot be read: {error}") from error
    if not dataset.files:
        return None, set()
    registered = f"lake_{source.table}_dataset"
    con.register(registered, dataset)
    return registered, set(dataset.schema.names)


def _check_bucket(filesystem: pafs.S3FileSystem, lake_url: str) -> None:
    bucket = lake_url.removeprefix("s3://").split("/", 1)[0]
    if filesystem.get_file_info(bucket).type == pafs.FileType.NotFound:
        raise LakeUnreadable(f"the lake {lake_url} cannot be read: the bucket {bucket!r} does not exist")


def _typed_projection_sql(source: RawSource, scan: str, present: set[str]) -> str:
    """Cast every column to its declared type; a column older files lack reads as NULL."""
    columns = [
        f"cast({name if name in present else 'null'} as {_duckdb_type(trino_type)}) as {name}"
        for name, trino_type in source.columns
    ]
    return "select\n    " + ",\n    ".join(columns) + f"\nfrom {scan}"


def _empty_relation_sql(source: RawSource) -> str:
    columns = [f"cast(null as {_duckdb_type(t)}) as {name}" for name, t in source.columns]
    return "select " + ", ".join(columns) + " where false"


def _duckdb_type(trino_type: str) -> str:
    # timestamp(6) in Trino is microseconds; DuckDB's TIMESTAMP is microseconds.
    return "timestamp" if trino_type.startswith("timestamp") else trino_type


# ------------------------------------------------------------------- Trino

# A day range up to this long is found by asking for each day's directory; a longer one by
# listing the day directories' names (one S3 listing per 1,000 days, not one request per day).
PROBED_DAYS = 31


def day_partitions(settings: RadarSettings, source: RawSource, days: tuple[date, date]) -> list[tuple[str, ...]]:
    """The partition values (outermost first, as the directory names spell them) of every
    partition of source whose day is in days (first, last), for registering them in Trino's
    metastore. The other partition column's directories (marketplaces, feeds) are listed by
    name; the day directories are asked for one by one (a range longer than PROBED_DAYS: listed
    by name). No file is listed or read; a day without a directory has no partition."""
    found: list[tuple[tuple[str, ...], str]] = [((), _source_root(settings, source))]
    for name, trino_type in source.partition_columns:
        deeper = []
        for values, parent in found:
            if trino_type == "date":
                children = [(d.isoformat(), path) for d, path in _day_directories(settings, parent, name, days)]
            else:
                children = [(path.rsplit("=", 1)[1], path) for path in _child_directories(settings, parent, f"{name}=")]
            deeper += [((*values, value), path) for value, path in children]
        found = deeper
    return sorted(values for values, _ in found)


def _day_directories(settings: RadarSettings, parent: str, name: str,
                     days: tuple[date, date]) -> list[tuple[date, str]]:
    """(day, directory) of the <name>=<day> directories under parent for the days first..last."""
    first, last = days
    if (last - first).days + 1 > PROBED_DAYS:
        found = []
        for path in _child_directories(settings, parent, f"{name}="):
            try:
                day = date.fromisoformat(path.rsplit("=", 1)[1])
            except ValueError:
                continue  # not a day: never written by the lake
            if first <= day <= last:
                found.append((day, path))
        return found
    paths = [(day, f"{parent}/{name}={day.isoformat()}") for day in days_between(first, last)]
    if not settings.lake_url.startswith("s3://"):
        return [(day, path) for day, path in paths if os.path.isdir(path)]
    try:
        infos = s3_filesystem(settings).get_file_info([path for _, path in paths])
    except OSError as error:
        raise LakeUnreadable(f"the lake {settings.lake_url} cannot be read: {error}") from error
    return [(day, path) for (day, path), info in zip(paths, infos, strict=True)
            if info.type == pafs.FileType.Directory]


# -------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class Seed:
    name: str  # "seeds.<file stem>"
    path: Path
    column_types: dict[str, str]  # Trino types from <stem>.yml; other columns are inferred


def load_seeds(seeds_dir: Path | str = SEEDS_DIR) -> list[Seed]:
    seeds = []
    for csv_path in sorted(Path(seeds_dir).glob("*.csv")):
        seeds.append(Seed(f"seeds.{csv_path.stem}", csv_path, _seed_column_types(csv_path)))
    return seeds


def _seed_column_types(csv_path: Path) -> dict[str, str]:
    """Optional <name>.yml beside the CSV: `column_types: {column: trino_type}`."""
    yaml_path = csv_path.with_suffix(".yml")
    if not yaml_path.exists():
        return {}
    config = yaml.safe_load(yaml_path.read_text()) or {}
    return {str(k).lower(): str(v) for k, v in (config.get("column_types") or {}).items()}


def seed_select_duckdb(seed: Seed) -> str:
    path = str(seed.path).replace("'", "''")
    types = ", ".join(f"'{column}': '{_duckdb_type(t)}'" for column, t in seed.column_types.items())
    options = f", types = {{{types}}}" if types else ""
    return f"select * from read_csv('{path}', header = true, auto_detect = true{options})"


def load_seeds_duckdb(con, seeds: list[Seed]) -> None:
    con.execute("create schema if not exists seeds")
    for seed in seeds:
        con.execute(f"create or replace table {seed.name} as {seed_select_duckdb(seed)}")


def seed_rows_and_types(seed: Seed) -> tuple[list[tuple[str, str]], list[tuple]]:
    """Columns (name, DuckDB type) and rows of a seed, read with the same inference as DuckDB
    uses, so Trino's seed tables get the same types."""
    import duckdb

    con = duckdb.connect()
    relation = con.execute(seed_select_duckdb(seed))
    columns = [(d[0], str(d[1])) for d in relation.description]
    return columns, relation.fetchall()
