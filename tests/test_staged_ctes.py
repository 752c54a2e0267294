"""staged_ctes (transformations/README.md): a CTE built into a table of its own before the model's
select reads it, so Trino plans it once. The rows stay the same; a name the model lacks is an error.
tests/test_trino_equals_duckdb.py runs kpi_segment_weekly's staged `weeks` on both engines."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from transformations.models import ModelError, load_models, parse_select, split_staged_ctes

SQL = """
with base as (select * from (values (1), (2), (3)) as t (x)),
weeks as (select x from base where x > 1),
twice as (select a.x from weeks as a inner join weeks as b on a.x = b.x)
select * from twice
"""


def _model(staged: tuple[str, ...]):
    model = load_models()["marts.kpi_segment_weekly"]
    return replace(model, staged_ctes=staged)


def test_a_staged_cte_is_built_once_and_read_in_its_place_with_the_same_rows():
    query = parse_select(SQL, path="t.sql")
    helpers, main = split_staged_ctes(query, _model(("weeks",)), "__staged")
    assert [table for table, _ in helpers] == ["marts.kpi_segment_weekly__weeks__staged"]
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(f"create table marts.kpi_segment_weekly__weeks__staged as {helpers[0][1].sql('duckdb')}")
    staged_rows = sorted(con.execute(main.sql("duckdb")).fetchall())
    assert staged_rows == sorted(con.execute(query.sql("duckdb")).fetchall()) == [(2,), (3,)]
    weeks = next(cte for cte in main.ctes if cte.alias == "weeks")
    assert weeks.this.sql() == "SELECT * FROM marts.kpi_segment_weekly__weeks__staged"
    assert "base" not in weeks.this.sql()


def test_a_staged_cte_the_model_does_not_define_is_an_error():
    with pytest.raises(ModelError, match="nowhere"):
        split_staged_ctes(parse_select(SQL, path="t.sql"), _model(("nowhere",)), "__staged")


def test_staged_ctes_in_the_yaml_must_be_cte_names(tmp_path: Path):
    sql_dir = tmp_path / "sql" / "marts"
    sql_dir.mkdir(parents=True)
    (sql_dir / "m.sql").write_text("with final as (select 1 as x) select * from final\n")
    (sql_dir / "m.yml").write_text("description: d\nstaged_ctes: ['not a name']\ncolumns:\n  - {name: x, description: d}\n")
    with pytest.raises(ModelError, match="staged_ctes"):
        load_models(tmp_path / "sql")
