"""Exports of the marts: a Tableau extract (.hyper, Tableau's Hyper API) and live data sources
(.tds, one per mart, Tableau's Presto/Trino connector at RADAR_TRINO_URL without the password),
and one mart as CSV or Parquet for spreadsheets. docs/tableau.md says how to use them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from radar.settings import RadarSettings, trino_url_parts
from reports.marts import BATCH_ROWS, MartReader, ReportError
from transformations.models import Model

HYPER_FILE = "resale_radar_marts.hyper"
HYPER_SCHEMA = "marts"
TDS_CONNECTION_CLASS = "presto"  # Tableau's built-in Presto connector, which also serves Trino
EXPORT_FORMATS = ("csv", "parquet")

# kind -> (Hyper type name, Tableau datatype, role, type)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "bool": ("bool", "boolean", "dimension", "nominal"),
    "int": ("big_int", "integer", "measure", "quantitative"),
    "float": ("double", "real", "measure", "quantitative"),
    "date": ("date", "date", "dimension", "ordinal"),
    "datetime": ("timestamp", "datetime", "dimension", "ordinal"),
    "text": ("text", "string", "dimension", "nominal"),
}


INT_TYPES = ("tinyint", "smallint", "integer", "int", "bigint", "hugeint", "utinyint", "usmallint", "uinteger",
             "ubigint", "uhugeint")


def type_kind(type_name: str) -> str:
    """The column's kind from the engine's type name (DuckDB's or Trino's, any case; text when unknown)."""
    name = type_name.lower().strip()
    base = name.split("(")[0].strip()
    if base in ("boolean", "bool"):
        return "bool"
    if base in INT_TYPES:
        return "int"
    if base in ("decimal", "numeric", "double", "real", "float"):
        return "float"
    if base == "date":
        return "date"
    if base.startswith("timestamp"):
        return "datetime"
    return "text"


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "datetime" and isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # Hyper's timestamp has no zone: UTC
    if kind == "text" and not isinstance(value, str):
        return str(value)
    return value


@dataclass
class MartData:
    """A mart as exported: its model (YAML), columns, their kinds and the rows written."""

    model: Model
    columns: list[str]
    kinds: dict[str, str]
    rows: int


@dataclass
class TableauExport:
    hyper_path: Path
    tds_paths: dict[str, Path]
    row_counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def write_hyper(path: Path, marts: MartReader, *, batch_rows: int = BATCH_ROWS) -> tuple[list[MartData], dict[str, int]]:
    """Every mart as a table <schema marts>.<mart> of one .hyper file, streamed from the warehouse
    `batch_rows` rows at a time into Hyper's inserter (memory does not grow with the marts' history).
    Returns what was written and the rows read back from the file."""
    from tableauhyperapi import (
        Connection,
        CreateMode,
        HyperProcess,
        Inserter,
        SqlType,
        TableDefinition,
        TableName,
        Telemetry,
    )

    path.parent.mkdir(parents=True, exist_ok=True)
    types = {"bool": SqlType.bool(), "int": SqlType.big_int(), "float": SqlType.double(), "date": SqlType.date(),
             "datetime": SqlType.timestamp(), "text": SqlType.text()}
    written: list[MartData] = []
    counts: dict[str, int] = {}
    # The Hyper process writes its log where it runs: keep it beside the extract, not in the cwd.
    parameters = {"log_dir": str(path.parent)}
    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters=parameters) as hyper, \
            Connection(hyper.endpoint, str(path), CreateMode.CREATE_AND_REPLACE) as connection:
        connection.catalog.create_schema(HYPER_SCHEMA)
        for name, model in sorted(marts.models.items()):
            with marts.stream(name, batch_rows=batch_rows) as stream:
                kinds = [type_kind(type_name) for type_name in stream.types]
                columns = [TableDefinition.Column(column, types[kind])
                           for column, kind in zip(stream.columns, kinds, strict=True)]
                table = TableDefinition(TableName(HYPER_SCHEMA, name), columns)
                connection.catalog.create_table(table)
                rows = 0
                with Inserter(connection, table) as inserter:
                    for batch in stream.batches:
                        inserter.add_rows([_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in batch)
                        rows += len(batch)
                    inserter.execute()
            written.append(MartData(model, stream.columns, dict(zip(stream.columns, kinds, strict=True)), rows))
        for mart in written:
            counts[mart.model.table] = connection.execute_scalar_query(
                f"select count(*) from {TableName(HYPER_SCHEMA, mart.model.table)}")
    return written, counts


def hyper_row_counts(path: Path) -> dict[str, int]:
    """Each table of a .hyper and its row count, read back with the Hyper API."""
    from tableauhyperapi import Connection, HyperProcess, Telemetry

    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(path.parent)}) as hyper, \
            Connection(hyper.endpoint, str(path)) as connection:
        return {
            str(table.name.unescaped): connection.execute_scalar_query(f"select count(*) from {table}")
            for table in connection.catalog.get_table_names(HYPER_SCHEMA)
        }


def _caption(name: str) -> str:
    return name.replace("_", " ").capitalize()


def tds_xml(mart: MartData, settings: RadarSettings) -> str:
    """A Tableau data source for one mart over the live Trino connection: server, port, user,
    catalog and schema from settings; never the password (Tableau asks for it)."""
    parts = trino_url_parts(settings.trino_url.get_secret_value()) if settings.trino_url else {}
    table = mart.model.table
    source = ET.Element("datasource", {"formatted-name": f"Resale Radar: {table}", "inline": "true",
                                       "version": "18.1", "xmlns:user": "http://www.tableausoftware.com/xml/user"})
    ET.SubElement(source, "repository-location", {"id": f"resale_radar_{table}", "path": "/datasources"})
    connection = ET.SubElement(source, "connection", {"class": "federated"})
    named = ET.SubElement(ET.SubElement(connection, "named-connections"), "named-connection",
                          {"caption": "Resale Radar Trino", "name": "trino"})
    ET.SubElement(named, "connection", {
        "class": TDS_CONNECTION_CLASS,
        "server": str(parts.get("host") or ""),
        "port": str(parts.get("port") or ""),
        "username": str(parts.get("user") or ""),
        "authentication": "ldap" if parts.get("http_scheme") == "https" else "none",
        "sslmode": "require" if parts.get("http_scheme") == "https" else "",
        "catalog": settings.trino_catalog,
        "schema": "marts",
    })
    ET.SubElement(connection, "relation", {"connection": "trino", "name": table, "table": f"[marts].[{table}]",
                                           "type": "table"})
    described = {column.name: column.description for column in mart.model.columns}
    ET.SubElement(source, "aliases", {"enabled": "yes"})
    for name in mart.columns:
        _, datatype, role, kind = KINDS[mart.kinds[name]]
        column = ET.SubElement(source, "column", {"caption": _caption(name), "datatype": datatype,
                                                  "name": f"[{name}]", "role": role, "type": kind})
        run = ET.SubElement(ET.SubElement(ET.SubElement(column, "desc"), "formatted-text"), "run")
        run.text = described.get(name, "")
    ET.indent(source)
    return "<?xml version='1.0' encoding='utf-8' ?>\n" + ET.tostring(source, encoding="unicode") + "\n"


def export_tableau(settings: RadarSettings, out_dir: Path, *, dialect: str | None = None) -> TableauExport:
    """The .hyper extract of every mart (checked by reading it back) and one .tds per mart."""
    out_dir.mkdir(parents=True, exist_ok=True)
    hyper_path = out_dir / HYPER_FILE
    with MartReader(settings, dialect) as marts:
        data, counts = write_hyper(hyper_path, marts)
    expected = {mart.model.table: mart.rows for mart in data}
    if counts != expected:
        raise ReportError(f"the extract {hyper_path} reads back {counts}, the marts have {expected}")
    tds_paths = {}
    for mart in data:
        path = out_dir / f"resale_radar_{mart.model.table}.tds"
        path.write_text(tds_xml(mart, settings), encoding="utf-8")
        tds_paths[mart.model.table] = path
    warnings = [] if settings.trino_url else [
        "RADAR_TRINO_URL is not set: the .tds files name no server; set it and export again for a live connection"]
    return TableauExport(hyper_path, tds_paths, counts, warnings)


ARROW_TYPES = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32(),
               "datetime": pa.timestamp("us"), "text": pa.string()}


def export_mart(settings: RadarSettings, mart: str, out: Path, fmt: str, *, dialect: str | None = None,
                batch_rows: int = BATCH_ROWS) -> int:
    """One mart as CSV (header row, UTF-8) or Parquet, streamed `batch_rows` rows at a time into a
    file beside `out` renamed onto it at the end (a failed export leaves no half file); returns the rows."""
    if fmt not in EXPORT_FORMATS:
        raise ReportError(f"unknown format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    with MartReader(settings, dialect) as marts, marts.stream(mart, batch_rows=batch_rows) as stream:
        kinds = [type_kind(type_name) for type_name in stream.types]
        schema = pa.schema([(name, ARROW_TYPES[kind]) for name, kind in zip(stream.columns, kinds, strict=True)])
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        rows = 0
        try:
            writer: pacsv.CSVWriter | pq.ParquetWriter = (
                pacsv.CSVWriter(str(partial), schema) if fmt == "csv" else pq.ParquetWriter(str(partial), schema))
            with writer:
                for batch in stream.batches:
                    arrays = [pa.array([_cell(row[index], kind) for row in batch], type=ARROW_TYPES[kind])
                              for index, kind in enumerate(kinds)]
                    writer.write_batch(pa.record_batch(arrays, schema=schema))
                    rows += len(batch)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    return rows
