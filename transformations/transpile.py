"""Trino SQL -> DuckDB SQL, keeping Trino's answers.

sqlglot transpiles most of Trino, but some functions silently change meaning on DuckDB
(each trap is a test in tests/test_trino_transpile.py). Each fix below is one small rewrite of the parsed tree; the session
settings that complete them (integer division, UTC) are in DUCKDB_SESSION_SETTINGS.
"""

from __future__ import annotations

import logging
import re

from sqlglot import exp
from sqlglot.errors import ErrorLevel, OptimizeError, SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import Schema as SqlglotSchema

log = logging.getLogger(__name__)

# Trino divides integers as integers (7/2 = 3) and its session zone is UTC in our deployment.
DUCKDB_SESSION_SETTINGS = (
    "SET integer_division = true",
    "SET TimeZone = 'UTC'",
)

Schema = dict[str, object] | SqlglotSchema  # schema -> table -> column -> type, or sqlglot's MappingSchema of it


class TranspileError(Exception):
    pass


def trino_to_duckdb(query: exp.Expr, schema: Schema | None = None) -> str:
    """DuckDB SQL for a parsed Trino query. `schema` (column types of the tables it reads)
    lets the DATE-returning functions be recognised; without it only literals are typed."""
    tree = _typed_tree(query, schema or {})
    tree = tree.transform(_rewrite_node, copy=False)
    try:
        return tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as error:
        raise TranspileError(f"cannot transpile to DuckDB: {error}") from error


def _typed_tree(query: exp.Expr, schema: Schema) -> exp.Expr:
    tree = query.copy()
    try:
        tree = qualify(tree, schema=schema, dialect="trino", validate_qualify_columns=False, identify=False)
    except (OptimizeError, SqlglotError, KeyError, ValueError) as error:
        # Without column types only literals are typed: DATE-returning fixes miss columns.
        log.warning("could not resolve column types, transpiling untyped: %s", error)
        tree = query.copy()
    return annotate_types(tree, schema=schema, dialect="trino")


def _rewrite_node(node: exp.Expression) -> exp.Expression:
    for rewrite in _REWRITES:
        replaced = rewrite(node)
        if replaced is not None:
            return replaced
    return node


# ---------------------------------------------------------------- rewrites
# Each returns a replacement node, or None when it does not apply.


def _date_diff_counts_complete_units(node: exp.Expression) -> exp.Expression | None:
    """Trino date_diff counts complete units; DuckDB's date_diff counts boundaries crossed
    (23:00 -> 01:00 is 1 day). DuckDB's date_sub counts complete units like Trino."""
    if not isinstance(node, exp.DateDiff):
        return None
    unit = (node.args.get("unit") or exp.var("day")).name.lower()
    return exp.Anonymous(
        this="date_sub", expressions=[exp.Literal.string(unit), node.expression, node.this]
    )


def _regexp_extract_null_when_no_match(node: exp.Expression) -> exp.Expression | None:
    """Trino returns NULL when the pattern does not match; DuckDB returns ''."""
    if not isinstance(node, exp.RegexpExtract) or node.meta.get("null_guarded"):
        return None
    node.meta["null_guarded"] = True
    matches = exp.Anonymous(this="regexp_matches", expressions=[node.this.copy(), node.expression.copy()])
    return exp.Case(ifs=[exp.If(this=matches, true=node)])


def _date_functions_keep_date_type(node: exp.Expression) -> exp.Expression | None:
    """On a DATE, Trino's date_trunc / date_add / +interval return a DATE; DuckDB a TIMESTAMP."""
    if node.meta.get("date_cast"):
        return None
    if isinstance(node, (exp.DateTrunc, exp.TimestampTrunc, exp.DateAdd, exp.DateSub)):
        operand = node.this
    elif isinstance(node, (exp.Add, exp.Sub)) and isinstance(node.expression, exp.Interval):
        operand = node.this
    else:
        return None
    if not _is_date(operand):
        return None
    node.meta["date_cast"] = True
    return exp.cast(node, exp.DataType.build("date"))


def _is_date(node: exp.Expression) -> bool:
    return node.type is not None and node.type.is_type(exp.DataType.Type.DATE)


def _format_datetime_as_strftime(node: exp.Expression) -> exp.Expression | None:
    """Trino's format_datetime takes a Joda pattern; DuckDB has strftime with % codes."""
    if not _is_function(node, "format_datetime"):
        return None
    value, pattern = node.expressions
    if not isinstance(pattern, exp.Literal):
        raise TranspileError("format_datetime needs a literal pattern to run on DuckDB")
    return exp.Anonymous(this="strftime", expressions=[value, exp.Literal.string(joda_to_strftime(pattern.this))])


def _map_agg_as_map_from_entries(node: exp.Expression) -> exp.Expression | None:
    """Trino map_agg(k, v) skips NULL keys; DuckDB has no map_agg."""
    if not _is_function(node, "map_agg"):
        return None
    key, value = node.expressions
    entries = exp.Filter(
        this=exp.Anonymous(this="list", expressions=[exp.Anonymous(this="row", expressions=[key, value])]),
        expression=exp.Where(this=exp.Not(this=exp.Is(this=key.copy(), expression=exp.Null()))),
    )
    return exp.Anonymous(this="map_from_entries", expressions=[entries])


def _approx_percentile_is_deterministic(node: exp.Expression) -> exp.Expression | None:
    """DuckDB's approx_quantile varies with thread scheduling; a rebuild must give the same
    table, so use the exact quantile_disc (an observed value, as Trino returns)."""
    if not isinstance(node, exp.ApproxQuantile):
        return None
    return exp.Anonymous(this="quantile_disc", expressions=[node.this, node.args["quantile"]])


def _decimal_division_keeps_scale(node: exp.Expression) -> exp.Expression | None:
    """Trino divides decimals into a decimal of the larger scale (10.00 / 3 = 3.33, rounded
    half up); DuckDB returns a DOUBLE (3.333...)."""
    if not isinstance(node, exp.Div) or node.meta.get("decimal_cast"):
        return None
    scales = [_decimal_scale(operand) for operand in (node.this, node.expression)]
    if None in scales or not any(_is_decimal(o) for o in (node.this, node.expression)):
        return None
    node.meta["decimal_cast"] = True
    exact = exp.Div(
        this=exp.cast(node.this, exp.DataType.build("double")), expression=node.expression
    )  # double first, so DuckDB's integer_division never truncates a decimal quotient
    return exp.cast(exact, exp.DataType.build(f"decimal(38, {max(s for s in scales if s is not None)})"))


def _is_decimal(node: exp.Expression) -> bool:
    return node.type is not None and node.type.is_type(exp.DataType.Type.DECIMAL)


def _decimal_scale(node: exp.Expression) -> int | None:
    """Scale of a DECIMAL(p, s) or integer operand; None for anything else or unknown."""
    if node.type is None:
        return None
    if node.type.is_type(*exp.DataType.INTEGER_TYPES):
        return 0
    if _is_decimal(node) and len(node.type.expressions) == 2:
        return int(node.type.expressions[1].this.this)
    return None


def _is_function(node: exp.Expression, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == name


_REWRITES = (
    _date_diff_counts_complete_units,
    _regexp_extract_null_when_no_match,
    _date_functions_keep_date_type,
    _format_datetime_as_strftime,
    _map_agg_as_map_from_entries,
    _approx_percentile_is_deterministic,
    _decimal_division_keeps_scale,
)


# ---------------------------------------------------------- Joda patterns

_JODA_TOKENS = {
    "yyyy": "%Y", "yy": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "M": "%-m",
    "dd": "%d", "d": "%-d", "HH": "%H", "H": "%-H", "hh": "%I", "h": "%-I",
    "mm": "%M", "m": "%-M", "ss": "%S", "s": "%-S", "SSS": "%g", "SSSSSS": "%f",
    "EEEE": "%A", "EEE": "%a", "E": "%a", "a": "%p", "DDD": "%j", "Z": "%z", "ZZ": "%z", "z": "%Z",
}
_JODA_TOKEN_RE = re.compile(r"'[^']*'|([A-Za-z])\1*")


def joda_to_strftime(pattern: str) -> str:
    """Translate a Joda-Time pattern (Trino's format_datetime) to DuckDB strftime codes."""
    parts: list[str] = []
    position = 0
    for match in _JODA_TOKEN_RE.finditer(pattern):
        parts.append(pattern[position : match.start()].replace("%", "%%"))
        token = match.group(0)
        if token.startswith("'"):
            parts.append(token[1:-1].replace("%", "%%") or "'")
        elif token in _JODA_TOKENS:
            parts.append(_JODA_TOKENS[token])
        else:
            raise TranspileError(f"format_datetime pattern token {token!r} has no DuckDB equivalent")
        position = match.end()
    parts.append(pattern[position:].replace("%", "%%"))
    return "".join(parts)
