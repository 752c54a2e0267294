"""Run the SQL models in dependency order on DuckDB or Trino.

Each model is built into a staged copy (<schema>.<table>__staged), audited there, and only
then published (table: replaced; incremental_by_day: its days replaced). A failing audit
raises AuditFailure before the model is published, so nothing downstream is built.
On DuckDB the whole run is also one transaction: a failure leaves the warehouse as it was.
On Trino each publish is one Iceberg commit (`create or replace table`, one `merge` per day),
so a reader never finds a table or a day missing; the YAML's descriptions become the tables'
and columns' comments.

The runner records which days each incremental model holds (seeds.model_days): a dated run
also builds every day the lake has up to its end date that a model lacks (a day the daily
flow missed), from the first such day on.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlglot import exp

from radar.settings import RadarSettings
from transformations import audits as audit_rules
from transformations.engines import Engine, TrinoEngine, make_engine, sql_string
from transformations.models import (
    PLACEHOLDER_DAY,
    SQL_DIR,
    Model,
    ModelError,
    build_order,
    days_between,
    jinja_environment,
    load_models,
    model_dependencies,
    parse_select,
    render_model,
    select_models,
    split_staged_ctes,
)
from transformations.sources import DAY_PARTITIONED_SOURCES, SEEDS_DIR, LakeUnreadable, load_seeds

log = logging.getLogger(__name__)

__all__ = [
    "LakeUnreadable",
    "ModelRun",
    "TransformResult",
    "build_order",
    "load_models",
    "model_dependencies",
    "render_for_trino",
    "run_transformations",
]

STAGED_SUFFIX = "__staged"
SAMPLE_ROWS = 5
# Which seed contents each incremental model was built with: a changed seed (a new alias)
# rebuilds the incremental models that read it, so the history is reclassified.
SEED_VERSIONS_TABLE = "seeds.model_seed_versions"
# Which days each incremental model was built for (a day with no rows is still built).
MODEL_DAYS_TABLE = "seeds.model_days"


@dataclass
class ModelRun:
    name: str
    materialized: str
    intervals: list[tuple[date, date]]
    row_count: int | None  # rows written by this run (None in print mode)
    audits: list[str]
    seconds: float


@dataclass
class TransformResult:
    dialect: str
    start_date: date | None
    end_date: date | None
    full_refresh: bool
    models: list[ModelRun] = field(default_factory=list)
    documentation_problems: dict[str, list[str]] = field(default_factory=dict)
    statements: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly overview for the flow's return value and the CLI."""
        return {
            "dialect": self.dialect,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "full_refresh": self.full_refresh,
            "models": {m.name: {"rows": m.row_count, "intervals": len(m.intervals),
                                "audits": len(m.audits), "seconds": round(m.seconds, 2)} for m in self.models},
            "documentation_problems": self.documentation_problems,
        }


# ---------------------------------------------------------------- public API


def run_transformations(
    settings: RadarSettings,
    *,
    start_date: date | None = None,
    end_date: date | None = None,
    select: list[str] | None = None,
    dialect: str = "duckdb",
    dry_run: bool = False,
    full_refresh: bool = False,
    sql_dir: Path | str = SQL_DIR,
    seeds_dir: Path | str = SEEDS_DIR,
) -> TransformResult:
    """Build the selected models (all by default) and their audits.

    Dates bound the snapshot days incremental models rebuild, one day at a time. With no
    dates, or full_refresh, incremental models are dropped and rebuilt over the whole range
    (default: every snapshot day in the lake) in one pass. Table models always rebuild whole.
    dry_run: DuckDB builds in a throwaway in-memory database; Trino only records statements.

    A lake that cannot be read raises LakeUnreadable; a lake with no snapshot, or a model that
    would go from rows to none, stops the run (the warehouse is left as it was) unless the
    warehouse holds nothing yet.
    """
    check_dates(start_date, end_date)  # before the warehouse file is created or opened
    models = load_models(sql_dir)
    names = select_models(models, select)
    engine = make_engine(settings, dialect, dry_run=dry_run)
    try:
        return _run(engine, settings, models, names, start_date, end_date, full_refresh, Path(seeds_dir),
                    fill_missing_days=not dry_run)
    finally:
        engine.close()


def render_for_trino(
    settings: RadarSettings,
    *,
    start_date: date | None = None,
    end_date: date | None = None,
    select: list[str] | None = None,
    full_refresh: bool = False,
    include_setup: bool = True,
    sql_dir: Path | str = SQL_DIR,
    seeds_dir: Path | str = SEEDS_DIR,
) -> list[str]:
    """The statements a Trino run would execute (setup DDL, seeds, builds, audits, publishes),
    without connecting. Without dates the plan is rendered for today."""
    check_dates(start_date, end_date)
    models = load_models(sql_dir)
    names = select_models(models, select)
    engine = TrinoEngine.from_settings(settings, print_only=True)
    today = date.today()
    result = _run(
        engine, settings, models, names, start_date or end_date or today, end_date or start_date or today,
        full_refresh, Path(seeds_dir), prepare_sources=include_setup,
    )
    return result.statements


# ------------------------------------------------------------------ the run


def _run(
    engine: Engine,
    settings: RadarSettings,
    models: dict[str, Model],
    names: list[str],
    start_date: date | None,
    end_date: date | None,
    full_refresh: bool,
    seeds_dir: Path,
    *,
    prepare_sources: bool = True,
    fill_missing_days: bool = True,
) -> TransformResult:
    engine.begin()
    try:
        seeds = load_seeds(seeds_dir)
        full_refresh = full_refresh or (start_date is None and end_date is None)
        # A dated run reads the raw partitions of its days only; a model that needs more (a day it
        # lacks, a rebuild after a seed change) widens them (_ModelBuilder._cover_sources).
        # A run open at one end (start or end only) reads the whole lake: its last or first day is the lake's.
        source_days = None if full_refresh or start_date is None or end_date is None else (start_date, end_date)
        if prepare_sources:
            engine.prepare_sources(settings, seeds, days=source_days)
        lake_range = None if start_date is not None and end_date is not None else engine.snapshot_date_range()
        if start_date is None and end_date is None and lake_range is None:
            _refuse_an_empty_lake(engine, settings, [models[name] for name in names])
        start, end = _date_range(lake_range, start_date, end_date)
        result = TransformResult(engine.dialect, start, end, full_refresh)
        builder = _ModelBuilder(engine, result, full_refresh, model_versions(models, seeds),
                                fill_missing_days=fill_missing_days, source_days=source_days)
        for name in names:
            builder.build(models[name], start, end)
        engine.commit()
    except BaseException:
        engine.rollback()
        raise
    result.statements = list(engine.statements)
    return result


def check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValueError(f"start_date {start} is after end_date {end}")


def _refuse_an_empty_lake(engine: Engine, settings: RadarSettings, models: list[Model]) -> None:
    """A full rebuild over a lake without a single snapshot (a missing or empty folder, a wrong
    prefix) would empty every model: refuse while the warehouse holds rows; a new one builds empty.
    (A dated run over such a lake is stopped by the table models' own check, _refuse_to_empty.)"""
    if isinstance(engine, TrinoEngine) and engine.print_only:
        return
    for model in models:
        if engine.table_columns(model.name) is None:
            continue
        _, rows = engine.fetch(f"select count(*) from {engine.qualified(model.name)}")
        if rows and rows[0][0]:
            raise LakeUnreadable(
                f"the lake {settings.lake_url} holds no snapshot (no listings, no crawl manifests: a missing or "
                f"empty directory, a wrong path or prefix?) but {model.name} holds {rows[0][0]} row(s): refusing "
                "to replace the models with nothing; the warehouse is unchanged"
            )


def _date_range(lake_range: tuple[date, date] | None, start: date | None, end: date | None) -> tuple[date, date]:
    if start is not None and end is not None:
        check_dates(start, end)
        return start, end
    if lake_range is None:  # empty lake: build empty tables
        return start or end or PLACEHOLDER_DAY, end or start or PLACEHOLDER_DAY
    return start or lake_range[0], end or lake_range[1]


def model_versions(models: dict[str, Model], seeds: list) -> dict[str, str]:
    """seed_versions, and for an incremental_by_key model also its SQL and YAML: a merge adds to
    rows built by the same code only (a changed model is rebuilt whole by its next run)."""
    versions = seed_versions(models, seeds)
    for name, model in models.items():
        if model.is_merged_by_key:
            digest = hashlib.sha256(versions[name].encode() + model.template.encode())
            yaml_path = model.path.with_suffix(".yml")
            if yaml_path.exists():
                digest.update(yaml_path.read_bytes())
            versions[name] = digest.hexdigest()
    return versions


def seed_versions(models: dict[str, Model], seeds: list) -> dict[str, str]:
    """Model name -> a fingerprint of the seed files it reads, directly or upstream."""
    digests = {}
    for seed in seeds:
        digest = hashlib.sha256(seed.path.read_bytes())
        yaml_path = seed.path.with_suffix(".yml")
        if yaml_path.exists():
            digest.update(yaml_path.read_bytes())
        digests[seed.name] = digest.hexdigest()
    versions: dict[str, str] = {}

    def seeds_read(name: str, seen: set[str]) -> set[str]:
        found = {t for t in models[name].depends_on if t in digests}
        for upstream in models[name].depends_on:
            if upstream in models and upstream not in seen:
                seen.add(upstream)
                found |= seeds_read(upstream, seen)
        return found

    for name in models:
        read = sorted(seeds_read(name, {name}))
        versions[name] = hashlib.sha256("".join(f"{s}={digests[s]};" for s in read).encode()).hexdigest()
    return versions


class _ModelBuilder:
    def __init__(self, engine: Engine, result: TransformResult, full_refresh: bool,
                 seed_versions: dict[str, str] | None = None, *, fill_missing_days: bool = True,
                 source_days: tuple[date, date] | None = None) -> None:
        self.engine = engine
        self.result = result
        self.full_refresh = full_refresh
        self.jinja = jinja_environment()
        self.seed_versions = seed_versions or {}
        self._built_with = self._read_seed_versions()
        self._model_days = self._read_model_days()
        # A dry run builds in an empty database: what it lacks says nothing about the warehouse.
        self.fill_missing_days = fill_missing_days
        self._lake_days: list[date] | None = None
        self._ensured: set[str] = set()
        self._source_days = source_days  # the days the raw sources cover; None: the whole lake
        # the first day an incremental model built this run (a missed day it filled): an
        # incremental_by_key model merges the keys touched from that day on
        self._first_built_day: date | None = None

    def build(self, model: Model, start: date, end: date) -> None:
        started = time.monotonic()
        log.info("building %s (%s)", model.name, model.materialized)
        if model.is_incremental:
            refresh = self.full_refresh or self._seeds_changed(model)
            if refresh and not self.full_refresh:
                start, end = self._whole_lake(start, end)
                log.info("%s: its seeds changed since it was built; rebuilding %s..%s", model.name, start, end)
            elif not refresh:
                start = self._first_missing_day(model, start, end)
            self._cover_sources(model, (start - timedelta(days=model.lookback_days), end))
            intervals, rows, audits = self._build_incremental(model, start, end, refresh)
            self._record_seed_version(model)
            self._first_built_day = min(start, self._first_built_day or start)
        elif model.is_merged_by_key:
            self._cover_sources(model, None)
            if self.full_refresh or not self._exists(model.name) or self._seeds_changed(model):
                intervals, (rows, audits) = [(start, end)], self._build_table(model, start, end)
            else:
                since = min(start, self._first_built_day or start)
                intervals, (rows, audits) = [(since, end)], self._merge_by_key(model, since, end)
            self._record_seed_version(model)
        else:
            self._cover_sources(model, None)
            intervals, (rows, audits) = [(start, end)], self._build_table(model, start, end)
        self.result.models.append(
            ModelRun(model.name, model.materialized, intervals, rows, audits, time.monotonic() - started)
        )

    def _cover_sources(self, model: Model, days: tuple[date, date] | None) -> None:
        """Widen the day-partitioned raw sources to the days a model reading them builds (None:
        a table model reads the whole lake). They never shrink within a run."""
        if self._source_days is None or not model.depends_on & DAY_PARTITIONED_SOURCES:
            return
        if days is not None:
            days = (min(days[0], self._source_days[0]), max(days[1], self._source_days[1]))
        if days != self._source_days:
            log.info("%s reads the raw lake over %s", model.name, f"{days[0]}..{days[1]}" if days else "every day")
            self._source_days = days
            self.engine.bound_sources(days)

    # -- seed versions of incremental models
    def _read_seed_versions(self) -> dict[str, str] | None:
        """None when the table does not exist yet (or in print mode)."""
        if self.engine.table_columns(SEED_VERSIONS_TABLE) is None:
            return None
        _, rows = self._fetch(f"select model, seeds_sha256 from {SEED_VERSIONS_TABLE}")
        return {row[0]: row[1] for row in rows}

    def _seeds_changed(self, model: Model) -> bool:
        """The published table was built with other seed contents (or before they were recorded)."""
        if not self._exists(model.name) or model.name not in self.seed_versions:
            return False
        built_with = (self._built_with or {}).get(model.name)
        return built_with != self.seed_versions[model.name]

    def _whole_lake(self, start: date, end: date) -> tuple[date, date]:
        lake = self.engine.snapshot_date_range()
        return (min(start, lake[0]), max(end, lake[1])) if lake else (start, end)

    def _record_seed_version(self, model: Model) -> None:
        version = self.seed_versions.get(model.name)
        if version is None:
            return
        table = self._bookkeeping_table(SEED_VERSIONS_TABLE, "model varchar, seeds_sha256 varchar")
        if self._built_with is None:
            self._built_with = {}
        self.engine.execute(f"delete from {table} where model = '{model.name}'")
        self.engine.execute(f"insert into {table} (model, seeds_sha256) values ('{model.name}', '{version}')")
        self._built_with[model.name] = version

    def _bookkeeping_table(self, name: str, columns: str) -> str:
        """Created if missing, once a run (the same statement whether or not it exists, so a printed
        plan is the plan a cluster runs)."""
        table = self.engine.qualified(name)
        if name not in self._ensured:
            self.engine.execute(f"create table if not exists {table} ({columns})")
            self._ensured.add(name)
        return table

    # -- the days each incremental model holds
    def _read_model_days(self) -> dict[str, set[date]] | None:
        """None when the table does not exist yet (or in print mode)."""
        if self.engine.table_columns(MODEL_DAYS_TABLE) is None:
            return None
        _, rows = self._fetch(f"select model, day from {MODEL_DAYS_TABLE}")
        held: dict[str, set[date]] = {}
        for name, day in rows:
            held.setdefault(name, set()).add(day)
        return held

    def _held_days(self, model: Model) -> set[date]:
        if not self._exists(model.name):
            return set()
        if self._model_days is not None and model.name in self._model_days:
            return self._model_days[model.name]
        # built before the bookkeeping: the days its rows have
        _, rows = self._fetch(f"select distinct {model.day_column} from {model.name}")
        return {row[0] for row in rows}

    def _first_missing_day(self, model: Model, start: date, end: date) -> date:
        """start, or the first day before it that the lake has and the model lacks: the run then
        builds every day from there to end (a later day may look back at the missing one)."""
        if not self.fill_missing_days:
            return start
        if self._lake_days is None:
            self._lake_days = self.engine.lake_days()
        if not self._lake_days:  # nothing known (print mode) or an empty lake
            return start
        held = self._held_days(model)
        missing = [day for day in self._lake_days if day < start and day not in held]
        if not missing:
            return start
        log.info("%s lacks %d day(s) the lake has (%s..%s): building %s..%s", model.name, len(missing),
                 missing[0], missing[-1], missing[0], end)
        return missing[0]

    def _record_days(self, model: Model, start: date, end: date, *, replace: bool) -> None:
        table = self._bookkeeping_table(MODEL_DAYS_TABLE, "model varchar, day date")
        if self._model_days is None:
            self._model_days = {}
        name = sql_string(model.name)
        if replace:
            self.engine.execute(f"delete from {table} where model = {name}")
        else:
            self.engine.execute(f"delete from {table} where model = {name} "
                                f"and day between date '{start.isoformat()}' and date '{end.isoformat()}'")
        days = days_between(start, end)
        self.engine.execute(f"insert into {table} (model, day) values "
                            + ", ".join(f"({name}, date '{day.isoformat()}')" for day in days))
        held = set() if replace else set(self._model_days.get(model.name, set()))
        self._model_days[model.name] = held | set(days)

    # -- comments: the YAML's descriptions, where the engine keeps them (Trino: Tableau shows them)
    def _apply_comments(self, model: Model, columns: list[str] | None) -> None:
        current = self.engine.column_comments(model.name)
        if current is None:
            return
        table_comment, column_comments = current
        table = self.engine.qualified(model.name)
        if table_comment != model.description:
            self.engine.execute(f"comment on table {table} is {sql_string(model.description)}")
        present = {c.lower() for c in columns} if columns is not None else None
        for column in model.columns:
            if present is not None and column.name not in present:
                continue  # reported as a documentation problem
            if column_comments.get(column.name) != column.description:
                self.engine.execute(f"comment on column {table}.{column.name} is {sql_string(column.description)}")

    # -- table: stage, audit, publish (one commit)
    def _build_table(self, model: Model, start: date, end: date) -> tuple[int | None, list[str]]:
        staged = self._stage(model, start, end)
        exists = self._exists(model.name)
        rows = self._count(f"select count(*) from {staged}")
        if exists:
            self._refuse_to_empty(model, rows)
        audits = self._audit(
            model, staged, row_counts=lambda spec: [
                (f"{spec['per']}={key}" if spec.get("per") else "", rows, before)
                for key, rows, before in self._group_counts(spec, staged, model.name if exists else None)
            ],
        )
        columns = self.engine.table_columns(staged)
        for statement in self.engine.publish_table(model.name, staged, comment=model.description):
            self.engine.execute(statement)
        self._apply_comments(model, columns)
        return rows, audits

    # -- incremental_by_key: stage the rows of the keys start..end touched, audit, replace those keys
    def _merge_by_key(self, model: Model, start: date, end: date) -> tuple[int | None, list[str]]:
        """The model renders with is_incremental: its rows for the keys its days touched (all of
        each such key's rows). They replace the published rows with those keys in one statement
        on Trino (a merge, one Iceberg commit), inside the run's transaction on DuckDB."""
        staged = self._stage(model, start, end, is_incremental=True)
        rows = self._count(f"select count(*) from {staged}")
        # row_count audits compare whole tables; a merge stages a part of one, so they wait for a rebuild
        audits = self._audit(model, staged, row_counts=lambda spec: [])
        columns = self._publish_columns(model, staged)
        for statement in self.engine.publish_keys(model.name, staged, list(model.merge_key), columns):
            self.engine.execute(statement)
        self.engine.execute(self.engine.drop_table(staged))
        self._apply_comments(model, columns)
        return rows, audits

    # -- incremental_by_day: per interval stage, audit, delete + insert
    def _build_incremental(self, model: Model, start: date, end: date, full_refresh: bool):
        if full_refresh:
            intervals = [(start, end)]
        else:
            intervals = [(day, day) for day in days_between(start, end)]
        total: int | None = 0
        audits: list[str] = []
        for interval_start, interval_end in intervals:
            rows, audits = self._build_interval(model, interval_start, interval_end, replace=full_refresh)
            total = None if rows is None or total is None else total + rows
        return intervals, total, audits

    def _build_interval(self, model: Model, start: date, end: date, *, replace: bool = False) -> tuple[int | None, list[str]]:
        """Stage, audit and publish the days start..end; replace: the whole table (a full refresh),
        dropped only once its replacement is staged, audited and not empty where it had rows."""
        # is_incremental: the model adds days to its published table and may read its earlier days
        staged = self._stage(model, start, end, is_incremental=not replace and self._exists(model.name))
        self._check_rows_inside(model, staged, start, end)
        exists = self._exists(model.name) and not replace
        audits = self._audit(model, staged, row_counts=lambda spec: self._daily_counts(spec, model, staged, start, end, exists))
        rows = self._count(f"select count(*) from {staged}")
        engine = self.engine
        # In print mode nothing is known: a dated plan shows the publish of days.
        published = self._exists(model.name) or (isinstance(engine, TrinoEngine) and engine.print_only and not replace)
        if replace or not published:
            if replace and published:
                self._refuse_to_empty(model, rows)
            columns = engine.table_columns(staged)
            statements = engine.publish_table(model.name, staged, day_column=model.day_column, comment=model.description)
        else:
            assert model.day_column is not None  # incremental_by_day has one (load_models checks)
            columns = self._publish_columns(model, staged)
            statements = engine.publish_days(model.name, staged, model.day_column, start, end, columns)
            statements.append(engine.drop_table(staged))
        for statement in statements:
            engine.execute(statement)
        self._record_days(model, start, end, replace=replace)
        self._apply_comments(model, columns)
        return rows, audits

    def _refuse_to_empty(self, model: Model, staged_rows: int | None) -> None:
        """A rebuild never replaces a model's rows with none: a source read nothing it should have."""
        if staged_rows != 0:
            return
        before = self._count(f"select count(*) from {model.name}")
        if before:
            raise ModelError(
                f"{model.path}: the rebuild would replace {model.name}'s {before} row(s) with none (did a "
                "source read nothing?); stopped before publishing, the warehouse is unchanged"
            )

    def _publish_columns(self, model: Model, staged: str) -> list[str]:
        staged_columns = self.engine.table_columns(staged) or model.documented_columns
        published = self.engine.table_columns(model.name)
        if published is not None and published != staged_columns:
            raise ModelError(
                f"{model.path}: columns changed from {published} to {staged_columns}; "
                "rebuild it with full_refresh=True"
            )
        return staged_columns

    def _check_rows_inside(self, model: Model, staged: str, start: date, end: date) -> None:
        outside = self._count(
            f"select count(*) from {staged} where {model.day_column} is null or {model.day_column} "
            f"not between date '{start.isoformat()}' and date '{end.isoformat()}'"
        )
        if outside:
            raise ModelError(
                f"{model.path}: {outside} row(s) outside {start}..{end} in {model.day_column}; an "
                "incremental model must filter its days, e.g. where {{ between_days('snapshot_date') }}"
            )

    def _daily_counts(self, spec: dict[str, Any], model: Model, staged: str, start: date, end: date, exists: bool):
        """(label, rows, previous rows) for each staged day (and group), against the day before.

        Days (and groups) that `exclude` returns, e.g. incomplete snapshots, are not compared,
        neither as the day nor as the day before.
        """
        column = model.day_column
        excluded = self._excluded_days(spec)
        comparisons = []
        for day in days_between(start, end):
            previous_day = day - timedelta(days=1)
            if previous_day < start:  # the day before the interval is in the published table
                previous = f"(select * from {model.name} where {column} = date '{previous_day.isoformat()}')" if exists else None
            else:
                previous = f"(select * from {staged} where {column} = date '{previous_day.isoformat()}')"
            current = f"(select * from {staged} where {column} = date '{day.isoformat()}')"
            for key, rows, before in self._group_counts(spec, current, previous):
                if (day, key) in excluded:
                    continue
                before = None if (previous_day, key) in excluded else before
                comparisons.append((f"{day} {spec['per']}={key}" if spec.get("per") else str(day), rows, before))
        return comparisons

    def _excluded_days(self, spec: dict[str, Any]) -> set[tuple[date, str]]:
        if not spec.get("exclude"):
            return set()
        _, rows = self._fetch(spec["exclude"])
        return {(row[0], str(row[1]) if len(row) > 1 else "") for row in rows}

    def _group_counts(self, spec: dict[str, Any], current: str, previous: str | None) -> list[tuple[str, int, int | None]]:
        """(group, rows now, rows before) per group of `per` (one group without it)."""
        group = f"cast({spec['per']} as varchar)" if spec.get("per") else "''"

        def counts(table: str) -> dict[str, int]:
            _, rows = self._fetch(f"select {group}, count(*) from {table} as t group by 1")
            return dict(rows)

        now = counts(current)
        before = counts(previous) if previous else {}
        return [(key, now.get(key, 0), before.get(key, 0) if previous else None) for key in sorted(set(now) | set(before))]

    # -- shared steps
    def _stage(self, model: Model, start: date, end: date, *, is_incremental: bool = False) -> str:
        staged = model.name + STAGED_SUFFIX
        rendered = render_model(model, start, end, self.jinja, is_incremental=is_incremental)
        helpers, query = split_staged_ctes(parse_select(rendered, path=model.path), model, STAGED_SUFFIX)
        for table, helper in helpers:  # the model's staged_ctes, each built once (models.split_staged_ctes)
            self.engine.execute(self.engine.drop_table(table))
            self.engine.execute(self.engine.create_table_as(table, self.engine.compile(helper)))
        self.engine.execute(self.engine.drop_table(staged))
        self.engine.execute(self.engine.create_table_as(staged, self.engine.compile(query)))
        for table, _ in helpers:
            self.engine.execute(self.engine.drop_table(table))
        self._check_documentation(model, staged)
        return staged

    def _check_documentation(self, model: Model, staged: str) -> None:
        actual = self.engine.table_columns(staged)
        if actual is None:
            return
        problems = [f"column {c} is not documented in {model.path.with_suffix('.yml').name}"
                    for c in actual if c.lower() not in model.documented_columns]
        problems += [f"documented column {c} is not in the output" for c in model.documented_columns
                     if c not in {a.lower() for a in actual}]
        if problems:
            self.result.documentation_problems[model.name] = problems
            log.warning("%s: %s", model.name, "; ".join(problems))

    def _audit(self, model: Model, staged: str, row_counts) -> list[str]:
        names = []
        for audit in audit_rules.model_audits(model, staged):
            names.append(audit.name)
            if audit.row_count is not None:
                self._check_row_counts(model, audit, row_counts(audit.row_count))
            else:
                self._check_bad_rows(model, audit)
        return names

    def _check_bad_rows(self, model: Model, audit: audit_rules.Audit) -> None:
        assert audit.query is not None  # an audit without a row_count has its query
        query = parse_select(audit.query, path=f"{model.path.with_suffix('.yml')} audit {audit.name}")
        bad = exp.select("*").from_(query.subquery("bad_rows"))
        columns, sample = self.engine.fetch(self.engine.compile(bad.limit(SAMPLE_ROWS)))
        if sample:
            count = self._count(exp.select("count(*)").from_(query.subquery("bad_rows")).sql("trino"))
            raise audit_rules.AuditFailure(model.name, audit.name, count or len(sample), columns, sample)

    def _check_row_counts(self, model: Model, audit: audit_rules.Audit, comparisons: list[tuple]) -> None:
        assert audit.row_count is not None  # called for row_count audits only
        for label, current, previous in comparisons:
            problem = audit_rules.row_count_problem(audit.row_count, current, previous)
            if problem:
                raise audit_rules.AuditFailure(model.name, audit.name, 1, ["day", "problem"], [(label.strip() or None, problem)])

    def _exists(self, table: str) -> bool:
        return self.engine.table_columns(table) is not None

    def _fetch(self, trino_sql: str) -> tuple[list[str], list[tuple]]:
        """Run one of the runner's own queries (written in Trino SQL) on the engine."""
        return self.engine.fetch(self.engine.compile(parse_select(trino_sql, path="<runner>")))

    def _count(self, trino_sql: str) -> int | None:
        _, rows = self._fetch(trino_sql)
        return rows[0][0] if rows else None


def query(settings: RadarSettings, trino_sql: str, *, dialect: str | None = None) -> tuple[list[str], list[tuple]]:
    """Read from the warehouse with one Trino SELECT (transpiled for DuckDB): for alerts and digests."""
    engine = make_engine(settings, dialect or settings.engine)
    try:
        return engine.fetch(engine.compile(parse_select(trino_sql, path="<query>")))
    finally:
        engine.close()
