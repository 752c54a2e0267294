"""Exports of the marts: a Tableau extract (.hyper, Tableau's Hyper API) and live data sources
(.tds, one per mart, Tableau's Presto/Trino connector at RADAR_TRINO_URL without the password),
and one mart as CSV or Parquet for spreadsheets. docs/tableau.md says how to use them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from radar.settings import RadarSettings, trino_url_parts
from reports.marts import MartReader, ReportError, Rows
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


def value_kind(values: list[Any]) -> str:
    """The column's kind from its first non-NULL value (text when all are NULL)."""
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            return "bool"
        if isinstance(value, int):
            return "int"
        if isinstance(value, float | Decimal):
            return "float"
        if isinstance(value, datetime):
            return "datetime"
        if isinstance(value, date):
            return "date"
        return "text"
    return "text"


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "text" and not isinstance(value, str):
        return str(value)
    return value


@dataclass
class MartData:
    model: Model
    rows: Rows
    kinds: dict[str, str]


@dataclass
class TableauExport:
    hyper_path: Path
    tds_paths: dict[str, Path]
    row_counts: dict[str, int]
    warnings: list[str] = field(default_factory=list)


def read_marts(marts: MartReader) -> list[MartData]:
    data = []
    for name, model in sorted(marts.models.items()):
        rows = marts.table(name)
        kinds = {column: value_kind(rows.column(column)) for column in rows.columns}
        data.append(MartData(model, rows, kinds))
    return data


def write_hyper(path: Path, marts: list[MartData]) -> dict[str, int]:
    """Every mart as a table <schema marts>.<mart> of one .hyper file; returns the rows read back."""
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
    counts: dict[str, int] = {}
    # The Hyper process writes its log where it runs: keep it beside the extract, not in the cwd.
    parameters = {"log_dir": str(path.parent)}
    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters=parameters) as hyper, \
            Connection(hyper.endpoint, str(path), CreateMode.CREATE_AND_REPLACE) as connection:
        connection.catalog.create_schema(HYPER_SCHEMA)
        for mart in marts:
            columns = [TableDefinition.Column(name, types[mart.kinds[name]]) for name in mart.rows.columns]
            table = TableDefinition(TableName(HYPER_SCHEMA, mart.model.table), columns)
            connection.catalog.create_table(table)
            with Inserter(connection, table) as inserter:
                kinds = [mart.kinds[name] for name in mart.rows.columns]
                inserter.add_rows([_cell(v, k) for v, k in zip(row, kinds, strict=True)] for row in mart.rows.rows)
                inserter.execute()
        for mart in marts:
            counts[mart.model.table] = connection.execute_scalar_query(
                f"select count(*) from {TableName(HYPER_SCHEMA, mart.model.table)}")
    return counts


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
    for name in mart.rows.columns:
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
    with MartReader(settings, dialect) as marts:
        data = read_marts(marts)
    hyper_path = out_dir / HYPER_FILE
    counts = write_hyper(hyper_path, data)
    expected = {mart.model.table: len(mart.rows) for mart in data}
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


def export_mart(settings: RadarSettings, mart: str, out: Path, fmt: str, *, dialect: str | None = None) -> int:
    """One mart as CSV (header row, UTF-8) or Parquet; returns the rows written."""
    if fmt not in EXPORT_FORMATS:
        raise ReportError(f"unknown format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    with MartReader(settings, dialect) as marts:
        rows = marts.table(mart)
    arrays = {}
    for index, name in enumerate(rows.columns):
        values = [row[index] for row in rows.rows]
        kind = value_kind(values)
        arrays[name] = pa.array([_cell(v, kind) for v in values])
    table = pa.table(arrays) if arrays else pa.table({})
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        pacsv.write_csv(table, str(out))
    else:
        pq.write_table(table, str(out))
    return table.num_rows
