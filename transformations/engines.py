"""Where models run: DuckDB (embedded, transpiled) or Trino (the SQL as written, Iceberg tables).

An engine turns a parsed Trino query into its own SQL, runs statements, and knows the
statement shapes the runner needs (create-as, publish a table, publish days). Every statement
it runs is also recorded, so `--print` and dry runs show exactly what would run.

Publishing is atomic for readers on both: DuckDB runs the whole build in one transaction
(drop + rename, delete + insert inside it); on Trino each publish is one Iceberg commit
(`create or replace table ... as` for a table, one `merge` for an incremental model's days).
"""

from __future__ import annotations

import functools
import logging
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from sqlglot import exp
from sqlglot.schema import MappingSchema

from radar.settings import RadarSettings, trino_url_parts
from transformations import sources
from transformations.models import days_between
from transformations.transpile import DUCKDB_SESSION_SETTINGS, trino_to_duckdb

log = logging.getLogger(__name__)

DDL_DIR = Path(__file__).resolve().parent / "ddl"
MODEL_SCHEMAS = ("seeds", "staging", "intermediate", "marts")


class Engine:
    dialect = ""

    def __init__(self) -> None:
        self.statements: list[str] = []

    # -- running
    def execute(self, sql: str) -> None:
        self.statements.append(sql)
        self._execute(sql)

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        self.statements.append(sql)
        return self._fetch(sql)

    def _execute(self, sql: str) -> None:
        raise NotImplementedError

    def _fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        raise NotImplementedError

    def compile(self, query: exp.Query) -> str:
        raise NotImplementedError

    def table_columns(self, table: str) -> list[str] | None:
        """Column names in order; None when the table does not exist or cannot be known."""
        raise NotImplementedError

    def prepare_sources(self, settings: RadarSettings, seeds: list[sources.Seed],
                        days: tuple[date, date] | None = None) -> None:
        """The raw sources (over the partitions of `days`, or the whole lake), the seeds, the schemas."""
        raise NotImplementedError

    def snapshot_date_range(self) -> tuple[date, date] | None:
        """The first and last snapshot day of the lake; None when it has none."""
        raise NotImplementedError

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...

    # -- statement shapes (names are "<schema>.<table>")
    def qualified(self, table: str) -> str:
        return table

    def drop_table(self, table: str) -> str:
        return f"drop table if exists {self.qualified(table)}"

    def create_table_as(self, table: str, select_sql: str) -> str:
        return f"create table {self.qualified(table)} as\n{select_sql}"

    def rename_table(self, source: str, target: str) -> str:
        raise NotImplementedError

    def delete_days(self, table: str, day_column: str, start: date, end: date) -> str:
        return (
            f"delete from {self.qualified(table)} "
            f"where {day_column} between date '{start.isoformat()}' and date '{end.isoformat()}'"
        )

    def insert_from(self, target: str, source: str, columns: list[str]) -> str:
        listed = ", ".join(columns)
        return f"insert into {self.qualified(target)} ({listed}) select {listed} from {self.qualified(source)}"

    # -- publishing a staged, audited table (the runner's only writes to a model)
    def publish_table(self, table: str, staged: str, *, day_column: str | None = None,
                      comment: str | None = None) -> list[str]:
        """Replace `table` (or create it) with the staged rows."""
        raise NotImplementedError

    def publish_days(self, table: str, staged: str, day_column: str, start: date, end: date,
                     columns: list[str]) -> list[str]:
        """Replace the days start..end of `table` with the staged rows."""
        return [self.delete_days(table, day_column, start, end), self.insert_from(table, staged, columns)]

    def publish_keys(self, table: str, staged: str, key: list[str], columns: list[str]) -> list[str]:
        """Replace the rows of `table` whose `key` values the staged rows hold with the staged rows."""
        published, incoming = self.qualified(table), self.qualified(staged)
        matches = " and ".join(f"incoming.{column} = {published}.{column}" for column in key)
        return [
            f"delete from {published} where exists (select 1 from {incoming} as incoming where {matches})",
            self.insert_from(table, staged, columns),
        ]

    def bound_sources(self, days: tuple[date, date] | None) -> None:
        """Make the day-partitioned raw sources cover days (first, last), or the whole lake (None)."""

    # -- bookkeeping and documentation
    def lake_days(self) -> list[date] | None:
        """Every snapshot day the lake holds; None when it cannot be known (print mode)."""
        raise NotImplementedError

    def column_comments(self, table: str) -> tuple[str | None, dict[str, str]] | None:
        """(table comment, {column: comment}) as the engine holds them; None when not applied here."""
        return None


# ----------------------------------------------------------------- DuckDB


class DuckDBEngine(Engine):
    dialect = "duckdb"

    def __init__(self, path: str = ":memory:") -> None:
        import duckdb

        super().__init__()
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Extensions cannot be downloaded here: fail fast instead of hanging on the network.
        self.con = duckdb.connect(path, config={"autoinstall_known_extensions": False})
        for setting in DUCKDB_SESSION_SETTINGS:
            self.con.execute(setting)
        self._in_transaction = False
        self._settings: RadarSettings | None = None  # set by prepare_sources
        self._source_days: tuple[date, date] | None = None  # what the raw views cover; None: the whole lake

    def _execute(self, sql: str) -> None:
        self.con.execute(sql)

    def _fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        relation = self.con.execute(sql)
        return [d[0] for d in relation.description], relation.fetchall()

    def compile(self, query: exp.Query) -> str:
        return trino_to_duckdb(query, self._catalog_schema(query))

    def _catalog_schema(self, query: exp.Query) -> MappingSchema:
        """Column types of the tables the query reads, so DATE expressions can be recognised."""
        tables = sorted({(t.db.lower(), t.name.lower()) for t in query.find_all(exp.Table) if t.db})
        if not tables:
            return MappingSchema({}, dialect="duckdb")
        wanted = " or ".join("(table_schema = ? and table_name = ?)" for _ in tables)
        rows = self.con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            f"where table_catalog = current_database() and ({wanted}) "
            "order by table_schema, table_name, ordinal_position",
            [part for table in tables for part in table],
        ).fetchall()
        mapping: dict[str, Any] = {}  # schema -> table -> column -> type
        for schema, table, column, data_type in rows:
            mapping.setdefault(schema, {}).setdefault(table, {})[column] = _sqlglot_type(data_type)
        return MappingSchema(mapping, dialect="duckdb")

    def table_columns(self, table: str) -> list[str] | None:
        schema, name = table.split(".")
        rows = self.con.execute(
            "select column_name from information_schema.columns where table_catalog = current_database() "
            "and table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
        return [r[0] for r in rows] or None

    def begin(self) -> None:
        self.con.execute("begin transaction")
        self._in_transaction = True

    def commit(self) -> None:
        if self._in_transaction:
            self.con.execute("commit")
            self._in_transaction = False

    def rollback(self) -> None:
        if self._in_transaction:
            self.con.execute("rollback")
            self._in_transaction = False

    def close(self) -> None:
        self.con.close()

    def rename_table(self, source: str, target: str) -> str:
        return f"alter table {source} rename to {target.split('.')[1]}"

    def publish_table(self, table: str, staged: str, *, day_column: str | None = None,
                      comment: str | None = None) -> list[str]:
        # Inside the run's one transaction: other connections see the old table until the commit.
        return [self.drop_table(table), self.rename_table(staged, table)]

    def lake_days(self) -> list[date] | None:
        """The lake's snapshot days from its partition directories' names (no file is read)."""
        if self._settings is not None:
            return sources.lake_snapshot_days(self._settings)
        rows = self.con.execute(
            "select distinct snapshot_date from (select snapshot_date from raw.crawl_manifests "
            "union all select snapshot_date from raw.listings) where snapshot_date is not null order by 1"
        ).fetchall()
        return [row[0] for row in rows]

    def prepare_sources(self, settings: RadarSettings, seeds: list[sources.Seed],
                        days: tuple[date, date] | None = None) -> None:
        """raw.* views (raw.listings and raw.crawl_manifests over the partitions of `days` only,
        or the whole lake), the seeds, the model schemas."""
        self._settings, self._source_days = settings, days
        sources.register_raw_sources_duckdb(self.con, settings, days)
        sources.load_seeds_duckdb(self.con, seeds)
        for schema in MODEL_SCHEMAS:
            self.con.execute(f"create schema if not exists {schema}")

    def bound_sources(self, days: tuple[date, date] | None) -> None:
        if self._settings is None or days == self._source_days:
            return
        self._source_days = days
        sources.register_raw_sources_duckdb(self.con, self._settings, days)

    def snapshot_date_range(self) -> tuple[date, date] | None:
        if self._source_days is not None:  # the views hold only the run's days: ask the lake's layout
            days = self.lake_days()
            return (days[0], days[-1]) if days else None
        low, high = self.con.execute(
            "select min(snapshot_date), max(snapshot_date) from ("
            "select snapshot_date from raw.crawl_manifests union all select snapshot_date from raw.listings)"
        ).fetchall()[0]
        return (low, high) if low is not None else None


_SQLGLOT_UNPARSEABLE = "UNKNOWN"


@functools.lru_cache(maxsize=1024)
def _sqlglot_type(duckdb_type: str) -> str:
    """DuckDB's information_schema spells some types sqlglot cannot read; those stay unknown."""
    try:
        exp.DataType.build(duckdb_type, dialect="duckdb")
        return duckdb_type
    except Exception:  # noqa: BLE001 - any parse failure only loses type information
        return _SQLGLOT_UNPARSEABLE


# ------------------------------------------------------------------ Trino


class TrinoEngine(Engine):
    """Runs on a Trino cluster, or only records statements when `connection` is None (print mode)."""

    dialect = "trino"

    def __init__(self, connection=None, *, catalog: str = "iceberg", raw_catalog: str = "hive") -> None:
        super().__init__()
        self.connection = connection
        self.catalog = catalog
        self.raw_catalog = raw_catalog
        self._settings: RadarSettings | None = None  # set by prepare_sources
        # the snapshot days whose partitions this run registered; None: all of them (a full sync)
        self._registered_days: set[date] | None = None

    @classmethod
    def from_settings(cls, settings: RadarSettings, *, print_only: bool = False) -> TrinoEngine:
        catalog, raw_catalog = settings.trino_catalog, settings.trino_raw_catalog
        if print_only:
            return cls(None, catalog=catalog, raw_catalog=raw_catalog)
        if not settings.trino_url:
            raise ValueError("the Trino engine needs RADAR_TRINO_URL (http(s)://user@host:port/catalog/schema)")
        return cls(connect_trino(settings), catalog=catalog, raw_catalog=raw_catalog)

    @property
    def print_only(self) -> bool:
        return self.connection is None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def _execute(self, sql: str) -> None:
        self._fetch(sql)

    def _fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        if self.print_only:
            return [], []
        cursor = self.connection.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()  # a Trino statement only finishes once its result is read
        return [d[0] for d in cursor.description or []], [tuple(r) for r in rows]

    def compile(self, query: exp.Query) -> str:
        tree = query.copy()
        for table in tree.find_all(exp.Table):
            if table.db and not table.catalog:
                table.set("catalog", exp.to_identifier(self._catalog_for(table.db)))
        return tree.sql(dialect="trino", pretty=True)

    def _catalog_for(self, schema: str) -> str:
        return self.raw_catalog if schema.lower() == "raw" else self.catalog

    def qualified(self, table: str) -> str:
        return f"{self._catalog_for(table.split('.')[0])}.{table}"

    def table_columns(self, table: str) -> list[str] | None:
        if self.print_only:
            return None
        schema, name = table.split(".")
        _, rows = self._fetch(
            f"select column_name from {self._catalog_for(schema)}.information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position"
        )
        return [r[0] for r in rows] or None

    def publish_table(self, table: str, staged: str, *, day_column: str | None = None,
                      comment: str | None = None) -> list[str]:
        """One Iceberg commit: a reader sees the old table or the new one, never none."""
        described = f"\ncomment {sql_string(comment)}" if comment else ""
        partitioning = f"\nwith (partitioning = array['{day_column}'])" if day_column else ""
        return [
            f"create or replace table {self.qualified(table)}{described}{partitioning} as\n"
            f"select * from {self.qualified(staged)}",
            self.drop_table(staged),
        ]

    def publish_days(self, table: str, staged: str, day_column: str, start: date, end: date,
                     columns: list[str]) -> list[str]:
        """One MERGE, so one Iceberg commit: the days' old rows are deleted and the staged rows
        inserted together (Trino's Iceberg connector has no multi-statement transactions). Each
        published row matches the one marker row of its day; staged rows match nothing."""
        listed = ", ".join(columns)
        staged_table = self.qualified(staged)
        days = ", ".join(f"date '{day.isoformat()}'" for day in days_between(start, end))
        return [
            f"merge into {self.qualified(table)} as published\n"
            "using (\n"
            f"    select {listed}, cast(null as date) as radar_publish_day from {staged_table}\n"
            "    union all\n"
            f"    select {', '.join('nothing.' + c for c in columns)}, days.radar_day\n"
            f"    from (values {days}) as days (radar_day)\n"
            f"    left join (select * from {staged_table} where false) as nothing on true\n"
            ") as incoming\n"
            f"on published.{day_column} = incoming.radar_publish_day\n"
            "when matched then delete\n"
            f"when not matched and incoming.radar_publish_day is null then insert ({listed})\n"
            f"values ({', '.join('incoming.' + c for c in columns)})"
        ]

    def publish_keys(self, table: str, staged: str, key: list[str], columns: list[str]) -> list[str]:
        """One MERGE, so one Iceberg commit: the published rows of the staged keys are deleted and
        the staged rows inserted. Each published row of a staged key matches that key's one marker
        row (the distinct keys); staged rows (no marker) match nothing."""
        listed = ", ".join(columns)
        staged_table = self.qualified(staged)
        keys = ", ".join(key)
        marker_columns = ", ".join(f"keys.{c}" if c in key else f"nothing.{c}" for c in columns)
        matches = " and ".join(f"published.{c} = incoming.{c}" for c in key)
        return [
            f"merge into {self.qualified(table)} as published\n"
            "using (\n"
            f"    select {listed}, cast(null as boolean) as radar_key_marker from {staged_table}\n"
            "    union all\n"
            f"    select {marker_columns}, true\n"
            f"    from (select distinct {keys} from {staged_table}) as keys\n"
            f"    left join (select * from {staged_table} where false) as nothing on true\n"
            ") as incoming\n"
            f"on {matches} and incoming.radar_key_marker\n"
            "when matched then delete\n"
            f"when not matched and incoming.radar_key_marker is null then insert ({listed})\n"
            f"values ({', '.join('incoming.' + c for c in columns)})"
        ]

    def lake_days(self) -> list[date] | None:
        """The lake's snapshot days: from its partition directories' names in a dated run (the
        metastore knows only the days registered so far; no file is read), else from the synced tables."""
        if self.print_only:
            return None
        if self._settings is not None and self._registered_days is not None:
            return sources.lake_snapshot_days(self._settings)
        _, rows = self._fetch(
            f"select distinct snapshot_date from {self.raw_catalog}.raw.crawl_manifests "
            "where snapshot_date is not null order by 1"
        )
        return [row[0] for row in rows]

    def column_comments(self, table: str) -> tuple[str | None, dict[str, str]] | None:
        """What Tableau shows: the table's comment and its columns' comments (none in print mode)."""
        if self.print_only:
            return None, {}
        schema, name = table.split(".")
        _, rows = self._fetch(
            "select comment from system.metadata.table_comments "
            f"where catalog_name = '{self._catalog_for(schema)}' and schema_name = '{schema}' and table_name = '{name}'"
        )
        _, columns = self._fetch(f"show columns from {self.qualified(table)}")  # Column, Type, Extra, Comment
        return (rows[0][0] if rows else None), {row[0]: row[3] for row in columns if row[3]}

    def prepare_sources(self, settings: RadarSettings, seeds: list[sources.Seed],
                        days: tuple[date, date] | None = None) -> None:
        """The DDL (the raw tables' partitions: those of `days` registered, or all synced) and the seeds.
        The Hive tables then prune partitions by the models' own day filters."""
        self._settings = settings
        self.apply_ddl(settings, days=days)
        for seed in seeds:
            for statement in trino_seed_statements(seed, self.qualified(seed.name)):
                self.execute(statement)

    def apply_ddl(self, settings: RadarSettings, *, days: tuple[date, date] | None = None) -> dict[str, list[str]]:
        """transformations/ddl/ on this cluster, idempotently: schemas; the raw external tables,
        created where missing and dropped and created again where their location or columns
        differ from the configured lake's (dropping an external table leaves its files); then
        the partitions: without `days` the full sync of ddl/20_sync_partitions.sql (it lists the
        whole lake); with days (first, last) only those days' partitions are registered
        (register_days). Returns what it did per raw table: created, recreated, kept, synced."""
        location = trino_lake_location(settings.lake_url)
        done: dict[str, list[str]] = {"created": [], "recreated": [], "kept": [], "synced": []}
        self._registered_days = None if days is None else set()
        tables = {self._raw_table(source): source for source in sources.RAW_SOURCES}
        for statement in render_trino_ddl(settings, catalog=self.catalog, raw_catalog=self.raw_catalog):
            created = next((name for name in tables if f"create table if not exists {name} (" in statement), None)
            if created is not None:
                source = tables[created]
                found = self._raw_table_state(created)
                wanted = (f"{location}/{source.lake_dir}", list(source.columns))
                if found is None:
                    done["created"].append(created)
                elif found == wanted:
                    done["kept"].append(created)
                else:
                    log.info("%s reads %s with columns %s: dropping it (its files stay) to create it over %s",
                             created, found[0], [c for c, _ in found[1]], wanted[0])
                    self.execute(f"drop table if exists {created}")
                    done["recreated"].append(created)
            elif "sync_partition_metadata" in statement:
                if days is not None:
                    continue  # registered below, day by day
                synced = re.search(r"sync_partition_metadata\(\s*'[^']*'\s*,\s*'([^']+)'", statement)
                done["synced"].append(synced.group(1) if synced else statement)
            self.execute(statement)
        if days is not None:
            self.register_days(settings, days)
            # raw.fx_rates is read whole; a fetch is dated by the UTC day it ran: through tomorrow
            # covers any clock's today
            self._register_new_fetches(settings, max(days[1], datetime.now(UTC).date() + timedelta(days=1)))
        return done

    def bound_sources(self, days: tuple[date, date] | None) -> None:
        """A dated run widened (a day a model lacks, a look-back): register those days' partitions
        too; a model reading the whole lake: sync the day-partitioned tables in full."""
        if self._settings is None or self._registered_days is None:
            return  # every partition is synced already
        if days is None:
            for source in sources.RAW_SOURCES:
                if source.name in sources.DAY_PARTITIONED_SOURCES:
                    self.execute(self._sync_partitions(source))
            self._registered_days = None
            return
        self.register_days(self._settings, days)

    def register_days(self, settings: RadarSettings, days: tuple[date, date]) -> dict[str, int]:
        """Make the metastore hold exactly the lake's partitions of the snapshot days first..last
        (listings, crawl_manifests; found by sources.day_partitions, no file listed or read):
        `system.register_partition` for each one it lacks, `system.unregister_partition` for each
        one whose directory is gone; days registered before in this run are skipped. Returns how
        many partitions were registered and unregistered. In print mode the lake is not read and
        no registration is printed."""
        counts = {"registered": 0, "unregistered": 0}
        done = self._registered_days if self._registered_days is not None else set()
        for first, last in [] if self.print_only else _day_runs([d for d in days_between(*days) if d not in done]):
            for source in sources.RAW_SOURCES:
                if source.name in sources.DAY_PARTITIONED_SOURCES:
                    self._register_partitions(settings, source, (first, last), counts)
            done.update(days_between(first, last))
        if self._registered_days is not None:
            self._registered_days = done
        log.info("raw partitions of %s..%s: %d registered, %d unregistered", days[0], days[1],
                 counts["registered"], counts["unregistered"])
        return counts

    def _register_new_fetches(self, settings: RadarSettings, through: date) -> None:
        """raw.fx_rates: the fetch days after the newest one registered, through `through` (a table
        with none registered, or a gap longer than sources.PROBED_DAYS: the full sync, once; in
        print mode, where none is known registered, the full sync is printed)."""
        (source,) = [s for s in sources.RAW_SOURCES if s.name == "raw.fx_rates"]
        _, rows = self._fetch(f'select max({source.day_column}) from {self.raw_catalog}.raw."{source.table}$partitions"')
        newest = rows[0][0] if rows else None
        if newest is None or (through - newest).days > sources.PROBED_DAYS:
            self.execute(self._sync_partitions(source))
        elif newest < through:
            self._register_partitions(settings, source, (newest + timedelta(days=1), through),
                                      {"registered": 0, "unregistered": 0})

    def _register_partitions(self, settings: RadarSettings, source: sources.RawSource,
                             days: tuple[date, date], counts: dict[str, int]) -> None:
        columns = [name for name, _ in source.partition_columns]
        found = set(sources.day_partitions(settings, source, days))
        _, rows = self._fetch(
            f"select {', '.join(columns)} from {self.raw_catalog}.raw.\"{source.table}$partitions\" "
            f"where {source.day_column} between date '{days[0].isoformat()}' and date '{days[1].isoformat()}'"
        )
        held = {tuple(str(value) for value in row) for row in rows}
        listed = "array[" + ", ".join(sql_string(c) for c in columns) + "]"
        root = f"{trino_lake_location(settings.lake_url)}/{source.lake_dir}"
        for values in sorted(found - held):
            location = root + "".join(f"/{c}={v}" for c, v in zip(columns, values, strict=True))
            try:
                self.execute(
                    f"call {self.raw_catalog}.system.register_partition('raw', '{source.table}', {listed}, "
                    f"array[{', '.join(sql_string(v) for v in values)}], {sql_string(location)})"
                )
            except Exception as error:  # only "already registered" (another run was first) is fine
                if "already registered" not in str(error):
                    raise
                continue
            counts["registered"] += 1
        for values in sorted(held - found):
            self.execute(
                f"call {self.raw_catalog}.system.unregister_partition('raw', '{source.table}', {listed}, "
                f"array[{', '.join(sql_string(v) for v in values)}])"
            )
            counts["unregistered"] += 1

    def _sync_partitions(self, source: sources.RawSource) -> str:
        return f"call {self.raw_catalog}.system.sync_partition_metadata('raw', '{source.table}', 'FULL')"

    def _raw_table(self, source: sources.RawSource) -> str:
        return f"{self.raw_catalog}.{source.name}"

    def _raw_table_state(self, table: str) -> tuple[str, list[tuple[str, str]]] | None:
        """(external location, [(column, type)]) of an existing raw table; None if there is none
        (or in print mode, where every statement is printed as it is)."""
        if self.print_only:
            return None
        catalog, schema, name = table.split(".")
        _, columns = self._fetch(
            f"select column_name, data_type from {catalog}.information_schema.columns "
            f"where table_schema = '{schema}' and table_name = '{name}' order by ordinal_position"
        )
        if not columns:
            return None
        _, rows = self._fetch(f"show create table {table}")
        match = re.search(r"external_location = '((?:[^']|'')*)'", rows[0][0]) if rows else None
        return (match.group(1).replace("''", "'") if match else ""), [(c, t) for c, t in columns]

    def snapshot_date_range(self) -> tuple[date, date] | None:
        if self.print_only:
            return None
        if self._settings is not None and self._registered_days is not None:  # a dated run: the lake's layout
            days = self.lake_days()
            return (days[0], days[-1]) if days else None
        _, rows = self._fetch(f"select min(snapshot_date), max(snapshot_date) from {self.raw_catalog}.raw.crawl_manifests")
        low, high = rows[0]
        return (low, high) if low is not None else None


def _day_runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def trino_lake_location(lake_url: str) -> str:
    """The lake as Trino's file systems name it: s3://... as it is; a local lake (a path or
    file://) as local:///<absolute path> (Trino 476 reads a file:// location as empty, without
    an error; the catalogs set local.location=/)."""
    url = lake_url.rstrip("/")
    if url.startswith("s3://"):
        return url
    return "local://" + os.path.abspath(url.removeprefix("file://"))


def connect_trino(settings: RadarSettings):
    """RADAR_TRINO_URL = http(s)|trino://user[:password]@host:port[/catalog[/schema]] (a secret: it is
    never logged); the password from RADAR_TRINO_PASSWORD, else from the URL (radar.settings.trino_url_parts)."""
    import trino

    if settings.trino_url is None:
        raise ValueError("the Trino engine needs RADAR_TRINO_URL (http(s)://user@host:port/catalog/schema)")
    url = trino_url_parts(settings.trino_url.get_secret_value())
    password = settings.trino_password.get_secret_value() if settings.trino_password is not None else url["password"]
    auth = trino.auth.BasicAuthentication(url["user"] or "", password) if password is not None else None
    return trino.dbapi.connect(
        host=url["host"],
        port=url["port"],
        user=url["user"] or "radar",
        catalog=url["catalog"] or "iceberg",
        schema=url["schema"] or "marts",
        http_scheme=url["http_scheme"],
        auth=auth,
        timezone="UTC",
    )


def render_trino_ddl(settings: RadarSettings, *, catalog: str = "iceberg", raw_catalog: str = "hive") -> list[str]:
    """The DDL files (schemas, raw external tables, partition sync), rendered and split."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    context = {
        "catalog": catalog,
        "raw_catalog": raw_catalog,
        "lake_url": trino_lake_location(settings.lake_url),
        "model_schemas": MODEL_SCHEMAS,
        "raw_sources": sources.RAW_SOURCES,
    }
    statements = []
    for path in sorted(DDL_DIR.glob("*.sql")):
        text = env.from_string(path.read_text()).render(**context)
        statements += [s.strip() for s in re.split(r";[ \t]*(?:\n|$)", text) if _has_sql(s)]
    return statements


def _has_sql(chunk: str) -> bool:
    lines = [line for line in chunk.strip().splitlines() if not line.strip().startswith("--")]
    return bool("".join(lines).strip())


_TRINO_TYPES = {"VARCHAR": "varchar", "BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double",
                "DATE": "date", "BOOLEAN": "boolean", "TIMESTAMP": "timestamp(6)", "FLOAT": "real"}


def trino_seed_statements(seed: sources.Seed, qualified_name: str, batch_size: int = 500) -> list[str]:
    """Drop, create and fill a seed table on Trino with the types DuckDB infers (or the seed YAML gives)."""
    columns, rows = sources.seed_rows_and_types(seed)
    types = [seed.column_types.get(name) or _trino_seed_type(duckdb_type) for name, duckdb_type in columns]
    definition = ", ".join(f"{name} {trino_type}" for (name, _), trino_type in zip(columns, types))
    statements = [f"drop table if exists {qualified_name}", f"create table {qualified_name} ({definition})"]
    for start in range(0, len(rows), batch_size):
        values = ",\n".join(_values_row(row, types) for row in rows[start : start + batch_size])
        statements.append(f"insert into {qualified_name} values\n{values}")
    return statements


def _trino_seed_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.lower()
    return _TRINO_TYPES.get(duckdb_type, "varchar")


def _values_row(row: tuple, types: list[str]) -> str:
    return "(" + ", ".join(_trino_literal(v, t) for v, t in zip(row, types)) + ")"


def _trino_literal(value, trino_type: str) -> str:
    if value is None:
        return f"cast(null as {trino_type})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if trino_type.startswith(("bigint", "integer", "double", "real", "decimal")):
        return f"cast({value} as {trino_type})"
    if trino_type in ("date",) or trino_type.startswith("timestamp"):
        return f"{trino_type.split('(')[0]} '{value}'"
    return "'" + str(value).replace("'", "''") + "'"


def make_engine(settings: RadarSettings, dialect: str, *, dry_run: bool = False) -> Engine:
    if dialect == "duckdb":
        return DuckDBEngine(":memory:" if dry_run else settings.warehouse_path)
    if dialect == "trino":
        return TrinoEngine.from_settings(settings, print_only=dry_run)
    raise ValueError(f"unknown dialect {dialect!r}: use duckdb or trino")
