"""Reading the marts for the report and the exports: one engine (DuckDB or Trino), Trino SQL.

Every figure a report shows is a column of a mart: the queries here only choose rows and
columns (a week, the top N by a mart's own rank), they compute nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from radar.settings import RadarSettings
from transformations.engines import DuckDBEngine, Engine, TrinoEngine, make_engine
from transformations.models import Model, load_models, parse_select


class ReportError(RuntimeError):
    """The marts cannot give what was asked (no warehouse, no such week or mart); the message says which."""


def mart_models() -> dict[str, Model]:
    """The mart models by table name (e.g. "dim_listing"), with their YAML (descriptions, columns)."""
    return {model.table: model for model in load_models().values() if model.schema == "marts"}


@dataclass
class Rows:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


BATCH_ROWS = 10_000  # rows a stream holds in Python at once


@dataclass
class RowStream:
    """A mart read in batches of at most `batch_rows` rows (`MartReader.stream`): memory stays bounded
    whatever the mart's size. `types` are the engine's column types, lower case (e.g. "bigint",
    "decimal(18,2)", "timestamp(6)")."""

    columns: list[str]
    types: list[str]
    batches: Iterator[list[tuple[Any, ...]]]


def _batches(first: list[Any], cursor: Any, batch_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    batch = first
    while batch:
        yield [tuple(row) for row in batch]
        batch = cursor.fetchmany(batch_rows)


class MartReader:
    """One connection to the warehouse for a report or an export (`with MartReader(settings) as marts`)."""

    def __init__(self, settings: RadarSettings, dialect: str | None = None) -> None:
        self.dialect = dialect or settings.engine
        if self.dialect == "duckdb" and not Path(settings.warehouse_path).exists():
            raise ReportError(f"no warehouse at {settings.warehouse_path}: run `radar transform` (or `radar demo`) first")
        self.engine: Engine = make_engine(settings, self.dialect)
        self.models = mart_models()

    def __enter__(self) -> MartReader:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.engine.close()

    def query(self, trino_sql: str) -> Rows:
        """One Trino SELECT (transpiled for DuckDB on the embedded engine)."""
        columns, rows = self.engine.fetch(self.engine.compile(parse_select(trino_sql, path="<report>")))
        return Rows(list(columns), [tuple(row) for row in rows])

    def exists(self, table: str) -> bool:
        return self.engine.table_columns(table) is not None

    def table(self, mart: str, *, where: str = "", order_by: str = "") -> Rows:
        """A mart's rows, with an optional filter and order (Trino SQL)."""
        return self.query(self._select(mart, where, order_by))

    @contextmanager
    def stream(self, mart: str, *, batch_rows: int = BATCH_ROWS) -> Iterator[RowStream]:
        """A whole mart through the engine's cursor, `batch_rows` at a time (DuckDB and Trino both stream
        a cursor's result), for exports of marts that grow with history (fct_listing_daily)."""
        sql = self.engine.compile(parse_select(self._select(mart), path="<export>"))
        self.engine.statements.append(sql)
        if isinstance(self.engine, DuckDBEngine):
            cursor = self.engine.con.cursor()  # its own cursor: the engine's connection stays free
        elif isinstance(self.engine, TrinoEngine) and not self.engine.print_only:
            cursor = self.engine.connection.cursor()
        else:
            raise ReportError(f"the {self.dialect} engine cannot stream a mart")
        try:
            cursor.execute(sql)
            first = cursor.fetchmany(batch_rows)  # Trino describes the columns once the first rows came
            description = cursor.description or []
            yield RowStream([d[0] for d in description], [str(d[1]).lower() for d in description],
                            _batches(first, cursor, batch_rows))
        finally:
            cursor.close()

    def _select(self, mart: str, where: str = "", order_by: str = "") -> str:
        if mart not in self.models:
            raise ReportError(f"no mart {mart!r}: one of {', '.join(sorted(self.models))}")
        if not self.exists(f"marts.{mart}"):
            raise ReportError(f"marts.{mart} is not built yet: run `radar transform` (or `radar demo`) first")
        sql = f"select * from marts.{mart}"
        if where:
            sql += f" where {where}"
        if order_by:
            sql += f" order by {order_by}"
        return sql
