"""What the scorer reads from the pipeline's warehouse, through the pipeline's own engine
(transformations/engines.py): DuckDB by default, or a Trino warehouse. Every query is one
Trino SELECT, compiled by the engine as the runner compiles its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.metrics import CRAWL_COUNT_COLUMNS, Row
from transformations.engines import DuckDBEngine, Engine
from transformations.models import parse_select


class WarehouseMissing(FileNotFoundError):
    """The DuckDB warehouse file to score is not there (opening it would create an empty one)."""


def duckdb_warehouse(path: Path) -> DuckDBEngine:
    """The engine over an existing DuckDB warehouse file."""
    if not Path(path).is_file():
        raise WarehouseMissing(f"no warehouse at {path}: build it first (radar demo or radar transform)")
    return DuckDBEngine(str(path))


def rows(engine: Engine, trino_sql: str, *, path: Path | str = "<evaluation>") -> list[Row]:
    """One Trino SELECT on the engine, as dicts (`path` names the SQL in a parse error)."""
    names, values = engine.fetch(engine.compile(parse_select(trino_sql, path=path)))
    return [dict(zip(names, row)) for row in values]


@dataclass
class MartRows:
    """The marts' rows the scorer compares with the truth."""

    listings: list[Row]  # marts.dim_listing
    has_model_key: bool  # dim_listing has model_key (absent on older warehouses)
    snapshots: list[Row]  # intermediate.int_marketplace_snapshots: marketplace, snapshot_date, is_complete
    crawl_counts: dict[str, dict[str, int | None]]  # marketplace -> CRAWL_COUNT_COLUMNS -> sum (None: no column)
    marketplace_rules: dict[str, dict[str, Any]]  # seeds.marketplaces by marketplace ('*': the defaults)


def read_marts(engine: Engine) -> MartRows:
    columns = engine.table_columns("marts.dim_listing") or []
    return MartRows(
        listings=rows(engine, "select * from marts.dim_listing"),
        has_model_key="model_key" in columns,
        snapshots=rows(engine, "select marketplace, snapshot_date, is_complete from intermediate.int_marketplace_snapshots"),
        crawl_counts=crawl_counts(engine),
        marketplace_rules={r["marketplace"]: r for r in rows(engine, "select * from seeds.marketplaces")},
    )


def crawl_counts(engine: Engine) -> dict[str, dict[str, int | None]]:
    """Per marketplace, the manifests' confirmation counts summed (None for a column the warehouse lacks)."""
    columns = engine.table_columns("staging.stg_crawl_manifests")
    if not columns:  # a warehouse built without the manifests' staging: every count is n/a
        return {}
    present = [c for c in CRAWL_COUNT_COLUMNS if c in columns]
    sums = "".join(f", coalesce(sum({c}), 0) as {c}" for c in present)
    found = rows(engine, f"select marketplace{sums} from staging.stg_crawl_manifests group by marketplace")
    return {r["marketplace"]: {c: (int(r[c]) if c in present else None) for c in CRAWL_COUNT_COLUMNS} for r in found}
