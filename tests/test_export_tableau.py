"""`radar export tableau|csv|parquet` (issue 14): the .hyper extract read back with the Hyper API
equals the marts table for table and row for row; each .tds is well-formed XML for the live Trino
connection naming every mart column with its YAML description, and never the password; a mart as
CSV or Parquet holds the mart's rows.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

import reports.exports
from cli.main import main
from radar.settings import get_settings
from reports.exports import HYPER_FILE, export_tableau, hyper_row_counts, type_kind, write_hyper
from reports.marts import BATCH_ROWS, MartReader, ReportError, RowStream, mart_models
from tests.report_fixtures import report_data_dir, settings_for  # noqa: F401 - the fixture

PASSWORD = "tableau-must-never-see-this-9f3k"


def mart_counts(data_dir: Path) -> dict[str, int]:
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
        return {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in tables}  # type: ignore[index]


@pytest.fixture(scope="module")
def exported(report_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tableau")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RADAR_TRINO_URL", f"https://analyst:{PASSWORD}@trino.example.com:443/iceberg/radar")
        patch.setenv("RADAR_TRINO_CATALOG", "lakehouse")
        get_settings.cache_clear()
        try:
            assert main(["export", "tableau", "--data-dir", str(report_data_dir), "--out", str(out)]) == 0
        finally:
            get_settings.cache_clear()
    return out


def test_the_hyper_extract_reads_back_as_the_marts(exported: Path, report_data_dir: Path) -> None:
    counts = hyper_row_counts(exported / HYPER_FILE)
    expected = mart_counts(report_data_dir)
    assert set(counts) == set(mart_models())  # every mart, and only marts
    assert counts == expected
    assert counts["dim_listing"] > 1000 and counts["report_market_weekly"] == 4


def test_a_hyper_value_is_the_marts_value(exported: Path, report_data_dir: Path) -> None:
    from tableauhyperapi import Connection, HyperProcess, Telemetry

    with HyperProcess(Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU, parameters={"log_dir": str(exported)}) as hyper, \
            Connection(hyper.endpoint, str(exported / HYPER_FILE)) as connection:
        rows = connection.execute_list_query(
            'select "brand", "model", "suggested_max_buy_usd", "as_of_date" from "marts"."procurement_ranking" '
            'order by "procurement_rank" limit 3')
    with duckdb.connect(str(report_data_dir / "warehouse.duckdb"), read_only=True) as con:
        marts = con.execute("select brand, model, suggested_max_buy_usd, as_of_date from marts.procurement_ranking "
                            "order by procurement_rank limit 3").fetchall()
    assert [(r[0], r[1], float(r[2]), str(r[3])) for r in rows] == [(b, m, float(p), str(d)) for b, m, p, d in marts]


def test_each_tds_names_every_column_with_its_description_and_no_password(exported: Path) -> None:
    models = mart_models()
    files = sorted(exported.glob("*.tds"))
    assert len(files) == len(models)
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert PASSWORD not in text and "password" not in text.lower()
        root = ET.fromstring(text.encode("utf-8"))  # well-formed
        assert root.tag == "datasource"
        connection = root.find("./connection/named-connections/named-connection/connection")
        assert connection is not None
        assert (connection.get("server"), connection.get("port"), connection.get("username")) == (
            "trino.example.com", "443", "analyst")
        assert (connection.get("catalog"), connection.get("schema")) == ("lakehouse", "marts")
        relation = root.find("./connection/relation")
        assert relation is not None
        model = models[relation.get("name", "")]
        columns = {c.get("name"): c.findtext("./desc/formatted-text/run") for c in root.findall("./column")}
        assert columns == {f"[{doc.name}]": doc.description for doc in model.columns}
        assert all(columns.values())


def test_without_a_trino_url_the_tds_names_no_server_and_says_so(report_data_dir: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("RADAR_TRINO_URL", raising=False)
    get_settings.cache_clear()
    assert main(["export", "tableau", "--data-dir", str(report_data_dir), "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert "RADAR_TRINO_URL is not set" in printed.err
    assert json.loads(printed.out)["rows"] == mart_counts(report_data_dir)
    root = ET.parse(tmp_path / "resale_radar_dim_listing.tds").getroot()
    connection = root.find("./connection/named-connections/named-connection/connection")
    assert connection is not None and connection.get("server") == ""


def test_csv_and_parquet_exports_hold_the_marts_rows(report_data_dir: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(report_data_dir / "warehouse.duckdb"), read_only=True) as con:
        expected = con.execute("select * from marts.procurement_ranking order by procurement_rank").fetchall()
        columns = [d[0] for d in con.execute("select * from marts.procurement_ranking limit 0").description]
    assert main(["export", "csv", "procurement_ranking", "--data-dir", str(report_data_dir),
                 "--out", str(tmp_path / "p.csv")]) == 0
    with (tmp_path / "p.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == columns and len(rows) == len(expected) + 1
    assert rows[1][1:3] == [expected[0][1], expected[0][2]]  # brand, model of rank 1 (Hermès survives UTF-8)
    assert main(["export", "parquet", "procurement_ranking", "--data-dir", str(report_data_dir),
                 "--out", str(tmp_path / "p.parquet")]) == 0
    table = pq.read_table(tmp_path / "p.parquet")
    assert table.column_names == columns
    assert sorted(table.to_pylist(), key=lambda r: r["procurement_rank"])[0]["suggested_max_buy_usd"] == expected[0][-1]
    assert table.num_rows == len(expected)


def test_an_unknown_mart_exits_2_and_writes_nothing(report_data_dir: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "csv", "no_such_mart", "--data-dir", str(report_data_dir),
                 "--out", str(tmp_path / "x.csv")]) == 2
    assert "no mart 'no_such_mart'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_the_extract_streams_every_mart_in_bounded_batches(report_data_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """fct_listing_daily holds the whole history: the export never holds more than `batch_rows` of a mart
    in Python, and the extract still reads back as the marts, row for row."""
    batches: dict[str, list[int]] = {}
    original = MartReader.stream

    @contextmanager
    def recording(self: MartReader, mart: str, *, batch_rows: int = BATCH_ROWS) -> Iterator[RowStream]:
        with original(self, mart, batch_rows=batch_rows) as stream:
            def counted() -> Iterator[list[tuple[Any, ...]]]:
                for batch in stream.batches:
                    batches.setdefault(mart, []).append(len(batch))
                    yield batch
            yield RowStream(stream.columns, stream.types, counted())

    monkeypatch.setattr(MartReader, "stream", recording)
    with MartReader(settings_for(report_data_dir)) as marts:
        data, counts = write_hyper(tmp_path / HYPER_FILE, marts, batch_rows=1000)
    expected = mart_counts(report_data_dir)
    assert counts == expected == {mart.model.table: mart.rows for mart in data}
    assert hyper_row_counts(tmp_path / HYPER_FILE) == expected
    assert max(size for sizes in batches.values() for size in sizes) == 1000
    assert len(batches["fct_listing_daily"]) == -(-expected["fct_listing_daily"] // 1000) > 10
    kinds = next(mart.kinds for mart in data if mart.model.table == "fct_listing_daily")
    assert (kinds["snapshot_date"], kinds["price_usd"], kinds["days_since_listed"], kinds["is_markdown"],
            kinds["listing_key"]) == ("date", "float", "int", "bool", "text")


def test_column_kinds_come_from_duckdb_and_trino_type_names() -> None:
    assert [type_kind(t) for t in ("BIGINT", "HUGEINT", "integer", "DECIMAL(18,2)", "decimal(18, 2)", "double",
                                   "real", "DATE", "timestamp(6)", "TIMESTAMP WITH TIME ZONE", "boolean",
                                   "VARCHAR", "varchar(20)", "INTERVAL")] == [
        "int", "int", "int", "float", "float", "float", "float", "date", "datetime", "datetime", "bool",
        "text", "text", "text"]


def test_an_extract_that_reads_back_short_fails_the_export(report_data_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    real = reports.exports.write_hyper

    def short(path: Path, marts: MartReader, **kwargs: Any) -> tuple[list[Any], dict[str, int]]:
        data, counts = real(path, marts, **kwargs)
        return data, {**counts, "deals": counts["deals"] - 1}

    monkeypatch.setattr(reports.exports, "write_hyper", short)
    with pytest.raises(ReportError, match="reads back"):
        export_tableau(settings_for(report_data_dir), tmp_path)
