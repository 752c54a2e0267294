"""Audits: queries (Trino SQL) that return bad rows; a non-empty answer blocks publication.

A model's audits come from its YAML:
  unique_key: [listing_key]                   -> unique
  columns: [{name: x, not_null: true}]        -> not_null
  columns: [{name: s, accepted_values: [..]}] -> accepted_values
  audits:
    - not_null: [col, ...]
    - unique: [col, ...]
    - accepted_values: {column: status, values: [active, sold]}
    - assert: {name: positive_price, condition: "price > 0"}   # rows where NOT condition
    - sql: {name: sold_after_listed, query: "select * from {{ this }} where ..."}
    - custom: {name: sale_not_before_listed, args: {...}}       # transformations/audits/<name>.sql
    - row_count: {min_ratio: 0.5, max_ratio: 2.0, min_previous_rows: 100}
`{{ this }}` is the table being audited (the staged copy, before it is published).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformations.models import AUDITS_DIR, Model, ModelError, render_template


@dataclass(frozen=True)
class Audit:
    name: str  # e.g. "not_null(price)", "custom:sale_not_before_listed"
    query: str | None = None  # Trino SQL returning bad rows; None for row_count
    row_count: dict[str, Any] | None = None


MESSAGE_SAMPLE_ROWS = 3
MESSAGE_SAMPLE_CHARS = 1500


class AuditFailure(Exception):
    """A blocking audit found bad rows; the message names the model, the audit and sample rows."""

    def __init__(self, model: str, audit: str, bad_row_count: int, columns: list[str], sample_rows: list[tuple]):
        self.model, self.audit, self.bad_row_count = model, audit, bad_row_count
        self.columns, self.sample_rows = list(columns), list(sample_rows)
        sample = repr([dict(zip(self.columns, row)) for row in self.sample_rows[:MESSAGE_SAMPLE_ROWS]])
        if len(sample) > MESSAGE_SAMPLE_CHARS:  # alerts stay readable; all sample rows stay on .sample_rows
            sample = sample[:MESSAGE_SAMPLE_CHARS] + " ..."
        super().__init__(
            f"audit {audit} failed on {model}: {bad_row_count} bad row(s); "
            f"the model was not published and the run stopped. Sample: {sample}"
        )

    def __reduce__(self):  # picklable (Prefect ships task exceptions between processes)
        return (AuditFailure, (self.model, self.audit, self.bad_row_count, self.columns, self.sample_rows))


def model_audits(model: Model, this: str) -> list[Audit]:
    """Every audit of the model, as queries over `this` (the staged table)."""
    audits = _column_audits(model, this)
    if model.unique_key:
        audits.append(_unique(model.unique_key, this))
    for entry in model.audits:
        ((kind, spec),) = entry.items()
        audits.append(_from_yaml(kind, spec, model, this))
    return audits


def _column_audits(model: Model, this: str) -> list[Audit]:
    audits = []
    not_null = [c.name for c in model.columns if c.not_null]
    if not_null:
        audits.append(_not_null(not_null, this))
    for column in model.columns:
        if column.accepted_values is not None:
            audits.append(_accepted_values(column.name, column.accepted_values, this))
    return audits


def _from_yaml(kind: str, spec: Any, model: Model, this: str) -> Audit:
    where = f"{model.path.with_suffix('.yml')}: audit {kind}"
    if kind == "not_null":
        return _not_null(_as_list(spec), this)
    if kind == "unique":
        return _unique(_as_list(spec), this)
    if kind == "accepted_values":
        return _accepted_values(spec["column"], spec["values"], this)
    if kind == "assert":
        spec = {"condition": spec} if isinstance(spec, str) else spec
        name = spec.get("name", spec["condition"])
        return Audit(f"assert({name})", f"select * from {this} where not coalesce(({spec['condition']}), false)")
    if kind == "sql":
        query = render_template(spec["query"], {"this": this}, path=where)
        return Audit(f"sql:{spec['name']}", query)
    if kind == "custom":
        return _custom(spec, this, where)
    if kind == "row_count":
        return Audit("row_count", row_count=dict(spec or {}))
    raise ModelError(f"{where}: unknown audit kind; use not_null, unique, accepted_values, assert, sql, custom, row_count")


def _as_list(spec: Any) -> list[str]:
    return [spec] if isinstance(spec, str) else list(spec)


def _not_null(columns: list[str], this: str) -> Audit:
    condition = " or ".join(f"{c} is null" for c in columns)
    return Audit(f"not_null({', '.join(columns)})", f"select * from {this} where {condition}")


def _unique(columns: list[str] | tuple[str, ...], this: str) -> Audit:
    keys = ", ".join(columns)
    return Audit(
        f"unique({keys})",
        f"select {keys}, count(*) as duplicate_rows from {this} group by {keys} having count(*) > 1",
    )


def _accepted_values(column: str, values: list | tuple, this: str) -> Audit:
    listed = ", ".join(_sql_literal(v) for v in values)
    return Audit(
        f"accepted_values({column})",
        f"select {column}, count(*) as row_count from {this} "
        f"where {column} is not null and {column} not in ({listed}) group by {column}",
    )


def _custom(spec: dict[str, Any], this: str, where: str) -> Audit:
    path = AUDITS_DIR / f"{spec['name']}.sql"
    if not path.exists():
        raise ModelError(f"{where}: no audit file {path}")
    query = render_template(path.read_text(), {"this": this, **(spec.get("args") or {})}, path=path)
    return Audit(f"custom:{spec['name']}", query)


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def row_count_problem(spec: dict[str, Any], new_rows: int, previous_rows: int | None) -> str | None:
    """Why the new row count is out of bounds against the previous one, or None when fine
    (no previous rows, or fewer than min_previous_rows, is no evidence either way)."""
    if previous_rows is None or previous_rows < int(spec.get("min_previous_rows", 1)):
        return None
    ratio = new_rows / previous_rows
    low, high = float(spec.get("min_ratio", 0.5)), float(spec.get("max_ratio", 2.0))
    if low <= ratio <= high:
        return None
    return f"{new_rows} rows against {previous_rows} before (ratio {ratio:.2f}, allowed {low}..{high})"
