"""SQL models: discovery, config, Jinja rendering, parsing and dependencies.

Convention (see transformations/README.md):
  transformations/sql/<schema>/<table>.sql   one Trino SELECT, model name "<schema>.<table>"
  transformations/sql/<schema>/<table>.yml   its config and documentation (required)
The schema is the layer directory: staging, intermediate or marts.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jinja2
import sqlglot
import yaml
from sqlglot import exp
from sqlglot.errors import ParseError
from sqlglot.optimizer.scope import traverse_scope

PACKAGE_DIR = Path(__file__).resolve().parent
SQL_DIR = PACKAGE_DIR / "sql"
MACROS_DIR = PACKAGE_DIR / "macros"
AUDITS_DIR = PACKAGE_DIR / "audits"
LAYERS = ("staging", "intermediate", "marts")
SOURCE_SCHEMAS = ("raw", "seeds")
MATERIALIZATIONS = ("table", "incremental_by_day", "incremental_by_key")
# Used only to discover dependencies: the tables a model reads never depend on the day.
PLACEHOLDER_DAY = date(2000, 1, 1)


class ModelError(Exception):
    """A model file or its YAML is wrong; the message starts with the file path."""


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: str
    not_null: bool = False
    accepted_values: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class Model:
    name: str  # "<schema>.<table>"
    path: Path
    template: str  # the raw Jinja SQL
    description: str
    materialized: str = "table"
    day_column: str | None = None
    lookback_days: int = 0  # days before its interval that an incremental model reads from the raw lake
    unique_key: tuple[str, ...] = ()
    # incremental_by_key: a dated run's rows replace the published rows with these key values
    merge_key: tuple[str, ...] = ()
    # CTEs built into a table of their own before the model's select reads them: a WITH query
    # referenced many times is planned once per reference on Trino (its 150-stage limit)
    staged_ctes: tuple[str, ...] = ()
    columns: tuple[ColumnDoc, ...] = ()
    audits: tuple[dict[str, Any], ...] = ()
    depends_on: frozenset[str] = field(default_factory=frozenset)

    @property
    def schema(self) -> str:
        return self.name.split(".")[0]

    @property
    def table(self) -> str:
        return self.name.split(".")[1]

    @property
    def is_incremental(self) -> bool:
        return self.materialized == "incremental_by_day"

    @property
    def is_merged_by_key(self) -> bool:
        return self.materialized == "incremental_by_key"

    @property
    def documented_columns(self) -> list[str]:
        return [column.name for column in self.columns]


# ---------------------------------------------------------------- rendering


def jinja_environment(macros_dir: Path = MACROS_DIR) -> jinja2.Environment:
    """StrictUndefined: a misspelt variable is an error, not an empty string in the SQL."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals.update(days_before=days_before, days_after=days_after, sql_date=sql_date)
    for macro_file in sorted(macros_dir.glob("*.sql")) if macros_dir.is_dir() else []:
        module = env.from_string(macro_file.read_text()).module
        env.globals.update({name: getattr(module, name) for name in dir(module) if not name.startswith("_")})
    return env


def days_before(day: str | date, days: int) -> str:
    return (date.fromisoformat(str(day)) - timedelta(days=days)).isoformat()


def days_after(day: str | date, days: int) -> str:
    return (date.fromisoformat(str(day)) + timedelta(days=days)).isoformat()


def days_between(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=offset) for offset in range((end - start).days + 1)]


def sql_date(day: str | date) -> str:
    """A Trino DATE literal: {{ sql_date(ds) }} -> date '2024-05-01'."""
    return f"date '{date.fromisoformat(str(day)).isoformat()}'"


def template_context(model_name: str, start_date: date, end_date: date, extra: dict | None = None) -> dict:
    schema, table = model_name.split(".")
    context: dict[str, Any] = {
        # incremental_by_key: True when the run merges the rows of the keys its days touched
        # into the published table (which the model may read as {{ this }}); False: all rows
        "is_incremental": False,
        "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat(),
        "ds": end_date.isoformat(),
        "this": model_name,
        "this_schema": schema,
        "this_table": table,
        "between_days": lambda column: (
            f"{column} between date '{start_date.isoformat()}' and date '{end_date.isoformat()}'"
        ),
    }
    context.update(extra or {})
    return context


def render_template(
    template: str,
    context: dict,
    *,
    path: Path | str,
    env: jinja2.Environment | None = None,
) -> str:
    env = env or jinja_environment()
    try:
        return env.from_string(template).render(**context)
    except jinja2.UndefinedError as error:
        raise ModelError(f"{path}: Jinja: {error.message}") from error
    except jinja2.TemplateError as error:
        raise ModelError(f"{path}: Jinja: {error}") from error


def render_model(model: Model, start_date: date, end_date: date, env: jinja2.Environment | None = None,
                 *, is_incremental: bool = False) -> str:
    context = template_context(model.name, start_date, end_date, {"is_incremental": is_incremental})
    return render_template(model.template, context, path=model.path, env=env)


# ------------------------------------------------------------------ parsing


def parse_select(sql: str, *, path: Path | str) -> exp.Query:
    """Parse one Trino SELECT; anything else (several statements, DML, bad syntax) names the file."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="trino") if s is not None]
    except ParseError as error:
        raise ModelError(f"{path}: not valid Trino SQL: {error}") from error
    if len(statements) != 1:
        raise ModelError(f"{path}: expected exactly one SELECT statement, found {len(statements)}")
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        raise ModelError(f"{path}: a model is one SELECT, got {statement.key.upper()} (the runner writes the table)")
    return statement


def split_staged_ctes(query: exp.Query, model: Model, suffix: str) -> tuple[list[tuple[str, exp.Query]], exp.Query]:
    """The model's staged_ctes each as a query of its own (the model's WITH clause, then
    `select * from <cte>`), to be built into `<model>__<cte><suffix>`, and the model's query with
    those CTEs reading their tables. The rows are the same; Trino plans each such CTE once."""
    main = query.copy()
    helpers: list[tuple[str, exp.Query]] = []
    for name in model.staged_ctes:
        ctes = {cte.alias: cte for cte in main.ctes}
        if name not in ctes:
            raise ModelError(f"{model.path}: staged_ctes names {name!r}, a CTE the rendered model does not define")
        table = f"{model.name}__{name}{suffix}"
        helper = exp.select("*").from_(name)
        helper.set("with_", main.args["with_"].copy())
        helpers.append((table, helper))
        ctes[name].set("this", exp.select("*").from_(table))
    return helpers, main


def referenced_tables(query: exp.Expr, *, path: Path | str) -> set[str]:
    """Fully qualified "<schema>.<table>" names the query reads; CTE names are not tables."""
    tables: set[str] = set()
    for scope in traverse_scope(query):
        for source in scope.sources.values():
            if isinstance(source, exp.Table):
                tables.add(_qualified_name(source, path=path))
    return tables


def _qualified_name(table: exp.Table, *, path: Path | str) -> str:
    if table.catalog:
        raise ModelError(f"{path}: use <schema>.<table> without a catalog, got {table.sql('trino')}")
    if not table.db:
        raise ModelError(
            f"{path}: table {table.name!r} is neither a CTE nor schema-qualified (write e.g. staging.{table.name})"
        )
    return f"{table.db.lower()}.{table.name.lower()}"


# ------------------------------------------------------------------ loading


def load_models(sql_dir: Path | str = SQL_DIR, macros_dir: Path | str = MACROS_DIR) -> dict[str, Model]:
    """Every model under sql_dir, by name, with its config and dependencies (checked)."""
    sql_dir = Path(sql_dir)
    env = jinja_environment(Path(macros_dir))
    models = {}
    for path in sorted(sql_dir.glob("*/*.sql")):
        model = _load_model(path, env)
        models[model.name] = model
    _check_references(models)
    return models


def _load_model(path: Path, env: jinja2.Environment) -> Model:
    schema = path.parent.name
    if schema not in LAYERS:
        raise ModelError(f"{path}: models live in one of {LAYERS}, not {schema!r}")
    name = f"{schema}.{path.stem}"
    template = path.read_text()
    config = _read_config(path)
    depends_on: set[str] = set()
    for is_incremental in (False, True):  # an incremental_by_key model's tables in either mode
        rendered = render_template(
            template, template_context(name, PLACEHOLDER_DAY, PLACEHOLDER_DAY, {"is_incremental": is_incremental}),
            path=path, env=env,
        )
        depends_on |= referenced_tables(parse_select(rendered, path=path), path=path)
    return Model(
        name=name,
        path=path,
        template=template,
        depends_on=frozenset(depends_on - {name}),
        **config,
    )


def _read_config(sql_path: Path) -> dict[str, Any]:
    yaml_path = sql_path.with_suffix(".yml")
    if not yaml_path.exists():
        raise ModelError(f"{sql_path}: missing {yaml_path.name} (description, columns, config)")
    try:
        raw = yaml.safe_load(yaml_path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ModelError(f"{yaml_path}: invalid YAML: {error}") from error
    return _validate_config(raw, yaml_path)


_CONFIG_KEYS = {"description", "materialized", "day_column", "lookback_days", "unique_key", "merge_key", "columns",
                "audits", "staged_ctes"}


def _validate_config(raw: dict[str, Any], yaml_path: Path) -> dict[str, Any]:
    unknown = set(raw) - _CONFIG_KEYS
    if unknown:
        raise ModelError(f"{yaml_path}: unknown keys {sorted(unknown)}; allowed: {sorted(_CONFIG_KEYS)}")
    if not str(raw.get("description") or "").strip():
        raise ModelError(f"{yaml_path}: 'description' is required")
    materialized = raw.get("materialized", "table")
    if materialized not in MATERIALIZATIONS:
        raise ModelError(f"{yaml_path}: materialized must be one of {MATERIALIZATIONS}, got {materialized!r}")
    day_column = raw.get("day_column")
    if materialized == "incremental_by_day" and not day_column:
        raise ModelError(f"{yaml_path}: incremental_by_day needs 'day_column' (a DATE column)")
    lookback_days = raw.get("lookback_days", 0)
    if not isinstance(lookback_days, int) or isinstance(lookback_days, bool) or lookback_days < 0:
        raise ModelError(f"{yaml_path}: 'lookback_days' is a whole number of days >= 0, got {lookback_days!r}")
    unique_key = raw.get("unique_key") or []
    if isinstance(unique_key, str):
        unique_key = [unique_key]
    merge_key = raw.get("merge_key") or []
    if isinstance(merge_key, str):
        merge_key = [merge_key]
    if materialized == "incremental_by_key" and not merge_key:
        raise ModelError(f"{yaml_path}: incremental_by_key needs 'merge_key' (the columns whose rows a run replaces)")
    staged_ctes = raw.get("staged_ctes") or []
    if not isinstance(staged_ctes, list) or not all(isinstance(c, str) and c.isidentifier() for c in staged_ctes):
        raise ModelError(f"{yaml_path}: 'staged_ctes' is a list of the model's CTE names, got {staged_ctes!r}")
    audits = raw.get("audits") or []
    if not isinstance(audits, list) or not all(isinstance(a, dict) and len(a) == 1 for a in audits):
        raise ModelError(f"{yaml_path}: 'audits' is a list of one-key mappings, e.g. '- not_null: [col]'")
    return {
        "description": str(raw["description"]).strip(),
        "materialized": materialized,
        "day_column": day_column,
        "lookback_days": lookback_days,
        "unique_key": tuple(unique_key),
        "merge_key": tuple(merge_key),
        "staged_ctes": tuple(staged_ctes),
        "columns": tuple(_column_doc(c, yaml_path) for c in raw.get("columns") or []),
        "audits": tuple(audits),
    }


def _column_doc(raw: Any, yaml_path: Path) -> ColumnDoc:
    if not isinstance(raw, dict) or "name" not in raw:
        raise ModelError(f"{yaml_path}: each column is a mapping with 'name' and 'description', got {raw!r}")
    if not str(raw.get("description") or "").strip():
        raise ModelError(f"{yaml_path}: column {raw['name']!r} has no description")
    values = raw.get("accepted_values")
    return ColumnDoc(
        name=str(raw["name"]).lower(),
        description=str(raw["description"]).strip(),
        not_null=bool(raw.get("not_null", False)),
        accepted_values=tuple(values) if values is not None else None,
    )


def _check_references(models: dict[str, Model]) -> None:
    for model in models.values():
        for table in model.depends_on:
            schema = table.split(".")[0]
            if schema not in SOURCE_SCHEMAS and table not in models:
                raise ModelError(f"{model.path}: reads {table}, which is no model, raw source or seed")


# ------------------------------------------------------------- dependencies


def model_dependencies(models: dict[str, Model] | None = None) -> dict[str, set[str]]:
    """Model name -> the models it reads (sources and seeds left out)."""
    models = load_models() if models is None else models
    return {name: {t for t in m.depends_on if t in models} for name, m in models.items()}


def build_order(models: dict[str, Model]) -> list[str]:
    """Topological order; a cycle is an error naming the models in it."""
    sorter = graphlib.TopologicalSorter(model_dependencies(models))
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as error:
        raise ModelError(f"dependency cycle between models: {' -> '.join(error.args[1])}") from error


def select_models(models: dict[str, Model], selectors: list[str] | None) -> list[str]:
    """Names to build, in build order. Selectors: "marts.dim_listing", "marts.*",
    "+marts.dim_listing" (with everything upstream), "staging.x+" (with everything downstream)."""
    order = build_order(models)
    if not selectors:
        return order
    upstream = model_dependencies(models)
    downstream: dict[str, set[str]] = {name: set() for name in models}
    for name, parents in upstream.items():
        for parent in parents:
            downstream[parent].add(name)
    chosen: set[str] = set()
    for selector in selectors:
        chosen |= _expand_selector(selector, models, upstream, downstream)
    return [name for name in order if name in chosen]


def _expand_selector(selector, models, upstream, downstream) -> set[str]:
    with_upstream, with_downstream = selector.startswith("+"), selector.endswith("+")
    core = selector.strip("+")
    if core.endswith(".*"):
        names = {n for n in models if n.startswith(core[:-1])}
    else:
        names = {core} if core in models else set()
    if not names:
        raise ModelError(f"selector {selector!r} matches no model; known: {sorted(models)}")
    result = set(names)
    if with_upstream:
        result |= _closure(names, upstream)
    if with_downstream:
        result |= _closure(names, downstream)
    return result


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        for neighbour in edges[todo.pop()]:
            if neighbour not in seen:
                seen.add(neighbour)
                todo.append(neighbour)
    return seen
