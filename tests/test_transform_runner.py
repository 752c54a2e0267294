"""The transformation runner: model loading, dependencies, Jinja, incremental days, audits,
sources, and the project's own models."""

from __future__ import annotations

import hashlib
import textwrap
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from radar.items import ListingItem
from radar.lake import Lake, listings_to_table, publish_partition
from radar.settings import RadarSettings
from transformations.audits import AuditFailure
from transformations.engines import render_trino_ddl
from transformations.models import (
    ModelError,
    build_order,
    load_models,
    model_dependencies,
    parse_select,
    render_model,
    select_models,
)
from transformations.runner import render_for_trino, run_transformations
from transformations.sources import RAW_SOURCES

STAGING_DIR = Path(__file__).resolve().parents[1] / "transformations" / "sql" / "staging"
DAY1, DAY2, DAY3 = date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)


# ------------------------------------------------------------------ helpers


def write_model(sql_dir: Path, name: str, sql: str, yml: str) -> None:
    schema, table = name.split(".")
    (sql_dir / schema).mkdir(parents=True, exist_ok=True)
    (sql_dir / schema / f"{table}.sql").write_text(textwrap.dedent(sql))
    (sql_dir / schema / f"{table}.yml").write_text(textwrap.dedent(yml))


def documented(*columns: str) -> str:
    return "columns:\n" + "".join(f"  - {{name: {c}, description: the {c}}}\n" for c in columns)


def settings_for(tmp_path: Path) -> RadarSettings:
    return RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(tmp_path / "warehouse.duckdb"))


def listing(marketplace: str, listing_id: str, day: date, price: str, available: bool = True) -> ListingItem:
    return ListingItem(
        marketplace=marketplace, listing_id=listing_id, snapshot_date=day, url=f"https://x.test/{listing_id}",
        title="Birkin 30 Togo", brand_raw=" Hermes ", model_raw="birkin", size_raw="30", color_raw="",
        material_raw="Togo", condition_raw="Excellent", price=Decimal(price), currency="usd",
        compare_at_price=None, available=available, published_at=datetime(2024, 2, 1, 12, tzinfo=UTC),
        estimated_retail_price=Decimal("12000"), raw_attributes={"tag": "meta-model-birkin"},
        scraped_at=datetime(2024, 3, 1, 6, tzinfo=UTC),
    )


def publish(settings: RadarSettings, marketplace: str, day: date, items: list[ListingItem], complete=True) -> None:
    lake = Lake.from_url(settings.lake_url, settings)
    manifest = {"item_count": len(items), "expected_count": len(items), "complete": complete,
                "finish_reason": "finished", "incomplete_reasons": [] if complete else ["page 3 missing"]}
    publish_partition(lake, marketplace, day, listings_to_table(items), manifest)


def query(settings: RadarSettings, sql: str) -> list[tuple]:
    con = duckdb.connect(settings.warehouse_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture()
def no_seeds(tmp_path: Path) -> Path:
    seeds = tmp_path / "no_seeds"
    seeds.mkdir()
    return seeds


@pytest.fixture()
def three_day_lake(tmp_path: Path) -> RadarSettings:
    settings = settings_for(tmp_path)
    publish(settings, "rebag", DAY1, [listing("rebag", "1", DAY1, "9000.50"), listing("rebag", "2", DAY1, "800")])
    publish(settings, "rebag", DAY2, [listing("rebag", "1", DAY2, "8500"), listing("rebag", "3", DAY2, "450")])
    publish(settings, "rebag", DAY3, [listing("rebag", "3", DAY3, "450", available=False)])
    publish(settings, "vsp", DAY1, [listing("vsp", "1", DAY1, "1200")])
    return settings


# ------------------------------------------------------- the project's models


def test_every_project_model_parses_as_trino_and_has_known_dependencies():
    models = load_models()
    assert "staging.stg_rebag__listings" in models and "staging.stg_crawl_manifests" in models
    for model in models.values():
        parse_select(render_model(model, DAY1, DAY2), path=model.path)  # raises naming the file
        assert model.description
    assert build_order(models)  # no cycle


def test_every_project_model_builds_on_an_empty_lake_with_every_column_documented(tmp_path):
    settings = settings_for(tmp_path)
    result = run_transformations(settings)
    assert result.documentation_problems == {}
    built = {m.name for m in result.models}
    assert built == set(load_models())
    assert query(settings, "select count(*) from staging.stg_rebag__listings") == [(0,)]


# --------------------------------------------------------------- sources


def test_empty_lake_gives_raw_views_with_the_right_columns(tmp_path, no_seeds):
    settings = settings_for(tmp_path)
    run_transformations(settings, sql_dir=tmp_path / "no_models", seeds_dir=no_seeds)
    for source in RAW_SOURCES:
        described = query(settings, f"describe {source.name}")
        assert [row[0] for row in described] == [name for name, _ in source.columns]
        assert query(settings, f"select count(*) from {source.name}") == [(0,)]
    types = {row[0]: row[1] for row in query(settings, "describe raw.listings")}
    assert types["snapshot_date"] == "DATE" and types["price"] == "DECIMAL(12,2)"


def test_rebag_staging_model_on_a_tiny_lake(tmp_path, three_day_lake, no_seeds):
    staging = tmp_path / "sql" / "staging"  # only these models: the others are tested on their own
    staging.mkdir(parents=True)
    for name in ("stg_rebag__listings", "stg_crawl_manifests"):
        for suffix in (".sql", ".yml"):
            (staging / f"{name}{suffix}").write_text((STAGING_DIR / f"{name}{suffix}").read_text())
    result = run_transformations(three_day_lake, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    assert result.documentation_problems == {}
    rows = query(
        three_day_lake,
        "select listing_id, snapshot_date, brand_raw, color_raw, price, currency, is_available, published_at "
        "from staging.stg_rebag__listings order by snapshot_date, listing_id",
    )
    assert rows == [
        ("1", DAY1, "Hermes", None, Decimal("9000.50"), "USD", True, datetime(2024, 2, 1, 12)),
        ("2", DAY1, "Hermes", None, Decimal("800.00"), "USD", True, datetime(2024, 2, 1, 12)),
        ("1", DAY2, "Hermes", None, Decimal("8500.00"), "USD", True, datetime(2024, 2, 1, 12)),
        ("3", DAY2, "Hermes", None, Decimal("450.00"), "USD", True, datetime(2024, 2, 1, 12)),
        ("3", DAY3, "Hermes", None, Decimal("450.00"), "USD", False, datetime(2024, 2, 1, 12)),
    ]  # the vsp listing is not Rebag's
    manifests = query(three_day_lake, "select marketplace, snapshot_date, is_complete, item_count "
                                      "from staging.stg_crawl_manifests order by 1, 2")
    assert manifests == [("rebag", DAY1, True, 2), ("rebag", DAY2, True, 2), ("rebag", DAY3, True, 1),
                         ("vsp", DAY1, True, 1)]


def test_seeds_are_loaded_with_inferred_and_pinned_types(tmp_path):
    settings = settings_for(tmp_path)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "fx.csv").write_text("currency,day,rate,code\nCAD,2024-03-01,0.74,007\n")
    (seeds / "fx.yml").write_text("column_types: {code: varchar, rate: 'decimal(18,6)'}\n")
    run_transformations(settings, sql_dir=tmp_path / "no_models", seeds_dir=seeds)
    assert query(settings, "select * from seeds.fx") == [("CAD", DAY1, Decimal("0.740000"), "007")]


def test_lake_on_s3_reads_through_pyarrow(tmp_path, no_seeds, monkeypatch):
    moto_server = pytest.importorskip("moto.server")
    import boto3

    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                           "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(key, value)
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="lake")
        settings = RadarSettings(lake_url="s3://lake/radar", s3_endpoint_url=endpoint,
                                 warehouse_path=str(tmp_path / "warehouse.duckdb"))
        write_model(tmp_path / "sql", "staging.listing_days", """
            select marketplace, snapshot_date, count(*) as listings
            from raw.listings group by marketplace, snapshot_date
        """, "description: d\n" + documented("marketplace", "snapshot_date", "listings"))
        run_transformations(settings, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)  # empty bucket
        assert query(settings, "select count(*) from staging.listing_days") == [(0,)]
        publish(settings, "rebag", DAY1, [listing("rebag", "1", DAY1, "10"), listing("rebag", "2", DAY1, "20")])
        run_transformations(settings, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
        assert query(settings, "select * from staging.listing_days") == [("rebag", DAY1, 2)]
    finally:
        server.stop()


# --------------------------------------------------------- loading models


def test_dependencies_come_from_table_names_and_ignore_ctes(tmp_path):
    sql = tmp_path / "sql"
    write_model(sql, "marts.daily", """
        with intermediate_days as (select * from intermediate.days),
        stg_a as (select 1 as x)
        select d.day from intermediate_days as d cross join stg_a
        where d.day in (select day from staging.a)
    """, "description: d\n")
    write_model(sql, "intermediate.days", "select snapshot_date as day from staging.a", "description: d\n")
    write_model(sql, "staging.a", "select snapshot_date from raw.listings", "description: d\n")
    models = load_models(sql)
    assert model_dependencies(models) == {
        "marts.daily": {"intermediate.days", "staging.a"},
        "intermediate.days": {"staging.a"},
        "staging.a": set(),
    }
    assert models["staging.a"].depends_on == {"raw.listings"}
    assert build_order(models) == ["staging.a", "intermediate.days", "marts.daily"]
    assert select_models(models, ["marts.daily"]) == ["marts.daily"]
    assert select_models(models, ["+marts.daily"]) == ["staging.a", "intermediate.days", "marts.daily"]
    assert select_models(models, ["intermediate.days+"]) == ["intermediate.days", "marts.daily"]
    assert select_models(models, ["staging.*"]) == ["staging.a"]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("select * from staging.missing", "reads staging.missing, which is no model"),
        ("select * from listings", "neither a CTE nor schema-qualified"),
        ("select * from hive.raw.listings", "without a catalog"),
        ("insert overwrite raw.listings select 1", "not valid Trino SQL|a model is one SELECT"),
        ("delete from raw.listings", "a model is one SELECT"),
        ("select 1 as a; select 2 as b", "exactly one SELECT"),
        ("select from where", "not valid Trino SQL"),
        ("select {{ snapshot_day }} as d", "Jinja: 'snapshot_day' is undefined"),
    ],
)
def test_bad_models_fail_loudly_naming_the_file(tmp_path, sql, message):
    write_model(tmp_path, "staging.broken", sql, "description: d\n")
    with pytest.raises(ModelError, match=message) as error:
        load_models(tmp_path)
    assert str(error.value).startswith(str(tmp_path / "staging" / "broken.sql"))


def test_model_yaml_is_required_and_checked(tmp_path):
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging" / "a.sql").write_text("select 1 as a")
    with pytest.raises(ModelError, match=r"missing a.yml"):
        load_models(tmp_path)
    (tmp_path / "staging" / "a.yml").write_text("description: d\nmaterialized: incremental_by_day\n")
    with pytest.raises(ModelError, match="needs 'day_column'"):
        load_models(tmp_path)
    (tmp_path / "staging" / "a.yml").write_text("description: d\ncolums: []\n")
    with pytest.raises(ModelError, match="unknown keys"):
        load_models(tmp_path)


def test_dependency_cycle_is_named(tmp_path):
    write_model(tmp_path, "staging.a", "select * from staging.b", "description: d\n")
    write_model(tmp_path, "staging.b", "select * from staging.a", "description: d\n")
    with pytest.raises(ModelError, match="cycle"):
        build_order(load_models(tmp_path))


def test_undocumented_columns_are_reported(tmp_path, no_seeds):
    write_model(tmp_path / "sql", "staging.a", "select 1 as documented_one, 2 as secret",
                "description: d\n" + documented("documented_one", "gone"))
    result = run_transformations(settings_for(tmp_path), sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    assert result.documentation_problems == {"staging.a": [
        "column secret is not documented in a.yml", "documented column gone is not in the output"]}


# ------------------------------------------------------------- incremental

# Listings per day plus a look-back: how many of them were already seen the day before.
INCREMENTAL_SQL = """
    with today as (
        select marketplace, listing_id, snapshot_date, price from raw.listings
        where {{ between_days('snapshot_date') }}
    ),
    seen_before as (
        select marketplace, listing_id, snapshot_date from raw.listings
        where snapshot_date between date '{{ days_before(start_date, 1) }}' and date '{{ end_date }}'
    ),
    final as (
        select
            t.marketplace,
            t.snapshot_date,
            count(*) as listings,
            count(b.listing_id) as seen_the_day_before,
            sum(t.price) as total_price
        from today as t
        left join seen_before as b
            on b.marketplace = t.marketplace and b.listing_id = t.listing_id
            and b.snapshot_date = date_add('day', -1, t.snapshot_date)
        group by t.marketplace, t.snapshot_date
    )
    select * from final
"""
INCREMENTAL_YML = (
    "description: d\nmaterialized: incremental_by_day\nday_column: snapshot_date\n"
    "lookback_days: 1\n"  # seen_before reads raw.listings a day before the interval
    "unique_key: [marketplace, snapshot_date]\n"
    + documented("marketplace", "snapshot_date", "listings", "seen_the_day_before", "total_price")
)


def test_incremental_day_by_day_equals_full_rebuild(tmp_path, three_day_lake, no_seeds):
    sql = tmp_path / "sql"
    write_model(sql, "intermediate.listing_days", INCREMENTAL_SQL, INCREMENTAL_YML)
    read = "select * from intermediate.listing_days order by marketplace, snapshot_date"

    full = run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)
    assert full.full_refresh and full.models[0].intervals == [(DAY1, DAY3)]
    full_rows = query(three_day_lake, read)
    assert full_rows == [("rebag", DAY1, 2, 0, Decimal("9800.50")), ("rebag", DAY2, 2, 1, Decimal("8950.00")),
                         ("rebag", DAY3, 1, 1, Decimal("450.00")), ("vsp", DAY1, 1, 0, Decimal("1200.00"))]

    Path(three_day_lake.warehouse_path).unlink()
    for day in (DAY1, DAY2, DAY3):
        daily = run_transformations(three_day_lake, start_date=day, end_date=day, sql_dir=sql, seeds_dir=no_seeds)
        assert daily.models[0].intervals == [(day, day)]
    assert query(three_day_lake, read) == full_rows

    run_transformations(three_day_lake, start_date=DAY2, end_date=DAY3, sql_dir=sql, seeds_dir=no_seeds)
    assert query(three_day_lake, read) == full_rows  # a rerun replaces its days, never duplicates


def test_a_daily_run_fills_the_days_the_lake_has_and_the_model_lacks(tmp_path, three_day_lake, no_seeds):
    sql = tmp_path / "sql"
    write_model(sql, "intermediate.listing_days", INCREMENTAL_SQL, INCREMENTAL_YML)
    read = "select * from intermediate.listing_days order by marketplace, snapshot_date"
    full = run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)
    full_rows = query(three_day_lake, read)
    Path(three_day_lake.warehouse_path).unlink()

    def daily(day):
        result = run_transformations(three_day_lake, start_date=day, end_date=day, sql_dir=sql, seeds_dir=no_seeds)
        return result.models[0].intervals

    assert daily(DAY1) == [(DAY1, DAY1)]
    assert daily(DAY3) == [(DAY2, DAY2), (DAY3, DAY3)]  # DAY2 was skipped: built first (DAY3 looks back at it)
    assert query(three_day_lake, read) == full_rows
    assert query(three_day_lake, "select day from seeds.model_days where model = 'intermediate.listing_days' "
                                 "order by 1") == [(DAY1,), (DAY2,), (DAY3,)]
    assert daily(DAY3) == [(DAY3, DAY3)]

    # a day lost from the model and its bookkeeping is built again by the next daily run
    con = duckdb.connect(three_day_lake.warehouse_path)
    con.execute("delete from intermediate.listing_days where snapshot_date = ?", [DAY2])
    con.execute("delete from seeds.model_days where day = ?", [DAY2])
    con.close()
    assert daily(DAY3) == [(DAY2, DAY2), (DAY3, DAY3)]
    assert query(three_day_lake, read) == full_rows

    # a warehouse built before the bookkeeping: the days the model's rows have count as held
    con = duckdb.connect(three_day_lake.warehouse_path)
    con.execute("drop table seeds.model_days")
    con.execute("delete from intermediate.listing_days where snapshot_date = ?", [DAY1])
    con.close()
    assert daily(DAY3) == [(DAY1, DAY1), (DAY2, DAY2), (DAY3, DAY3)]
    assert query(three_day_lake, read) == full_rows
    assert full.models[0].intervals == [(DAY1, DAY3)]


def test_on_duckdb_a_reader_sees_the_published_tables_until_the_run_commits(tmp_path, three_day_lake, no_seeds,
                                                                            monkeypatch):
    """One transaction: another connection reads the tables as they were after every statement
    of a rebuild (a table dropped and renamed, a day deleted and inserted), then the new ones."""
    from transformations.engines import DuckDBEngine

    sql = tmp_path / "sql"
    write_model(sql, "intermediate.listing_days", INCREMENTAL_SQL, INCREMENTAL_YML)
    write_model(sql, "marts.totals", "select count(*) as days, sum(listings) as listings from intermediate.listing_days",
                "description: d\n" + documented("days", "listings"))
    run_transformations(three_day_lake, start_date=DAY1, end_date=DAY2, full_refresh=True, sql_dir=sql,
                        seeds_dir=no_seeds)
    read_days = "select snapshot_date, listings from intermediate.listing_days order by 1, 2"
    before = (query(three_day_lake, read_days), query(three_day_lake, "select * from marts.totals"))
    original, statements = DuckDBEngine._execute, []

    def execute_then_read(engine, statement):
        original(engine, statement)
        reader = engine.con.cursor()  # its own connection: sees what is committed
        seen = (reader.execute(read_days).fetchall(), reader.execute("select * from marts.totals").fetchall())
        reader.close()
        assert seen == before, f"after {statement[:80]!r} a reader saw {seen}"
        statements.append(statement)

    monkeypatch.setattr(DuckDBEngine, "_execute", execute_then_read)
    result = run_transformations(three_day_lake, start_date=DAY2, end_date=DAY3, sql_dir=sql, seeds_dir=no_seeds)
    monkeypatch.undo()
    assert any(s.startswith("delete from intermediate.listing_days") for s in statements)
    assert any(s.startswith("drop table if exists marts.totals") for s in statements)
    assert result.models[0].intervals == [(DAY2, DAY2), (DAY3, DAY3)]
    assert query(three_day_lake, "select * from marts.totals") == [(4, 6)]  # and now the new tables


def test_incremental_model_must_stay_inside_its_days(tmp_path, three_day_lake, no_seeds):
    write_model(tmp_path / "sql", "staging.everything", "select listing_id, snapshot_date from raw.listings",
                "description: d\nmaterialized: incremental_by_day\nday_column: snapshot_date\n")
    # A full refresh reads the whole lake (a dated run reads only its days' raw partitions).
    with pytest.raises(ModelError, match=r"outside 2024-03-01..2024-03-01"):
        run_transformations(three_day_lake, start_date=DAY1, end_date=DAY1, sql_dir=tmp_path / "sql",
                            seeds_dir=no_seeds, full_refresh=True)


# ------------------------------------------------------------------ audits


def audited_models(sql: Path, audits_yml: str) -> None:
    write_model(sql, "staging.prices", """
        select listing_id, snapshot_date, price, cast(available as varchar) as state
        from raw.listings where marketplace = 'rebag'
    """, "description: d\n" + audits_yml + documented("listing_id", "snapshot_date", "price", "state"))
    write_model(sql, "marts.price_summary", "select count(*) as listings from staging.prices",
                "description: d\n" + documented("listings"))


def test_failing_audit_blocks_publication_and_names_rows(tmp_path, three_day_lake, no_seeds):
    sql = tmp_path / "sql"
    audited_models(sql, "unique_key: [snapshot_date, listing_id]\n")
    run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)
    assert query(three_day_lake, "select * from marts.price_summary") == [(5,)]

    audited_models(sql, "unique_key: [listing_id]\n")  # listing 1 and 3 appear on two days
    with pytest.raises(AuditFailure) as failure:
        run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)
    error = failure.value
    assert (error.model, error.audit, error.bad_row_count) == ("staging.prices", "unique(listing_id)", 2)
    assert sorted(dict(zip(error.columns, row))["listing_id"] for row in error.sample_rows) == ["1", "3"]
    assert "staging.prices" in str(error) and "unique(listing_id)" in str(error) and "'listing_id': '1'" in str(error)
    # nothing was published: both tables are as the last good run left them
    assert query(three_day_lake, "select count(*) from staging.prices") == [(5,)]
    assert query(three_day_lake, "select * from marts.price_summary") == [(5,)]
    assert query(three_day_lake, "select count(*) from information_schema.tables where table_name like '%staged'") == [(0,)]


@pytest.mark.parametrize(
    ("audits_yml", "audit_name", "bad_rows"),
    [
        ("audits:\n  - not_null: [price, state]\n", None, None),
        ("audits:\n  - accepted_values: {column: state, values: ['true']}\n", "accepted_values(state)", 1),
        ("audits:\n  - assert: {name: cheap, condition: \"price < 5000\"}\n", "assert(cheap)", 2),
        ("audits:\n  - sql: {name: day_three, query: \"select * from {{ this }} where snapshot_date = date '2024-03-03'\"}\n",
         "sql:day_three", 1),
        ("audits:\n  - row_count: {min_ratio: 0.9, max_ratio: 1.1}\n", None, None),
    ],
)
def test_audit_kinds(tmp_path, three_day_lake, no_seeds, audits_yml, audit_name, bad_rows):
    sql = tmp_path / "sql"
    audited_models(sql, audits_yml)
    if audit_name is None:
        run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)
        return
    with pytest.raises(AuditFailure) as failure:
        run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)
    assert (failure.value.audit, failure.value.bad_row_count) == (audit_name, bad_rows)


def test_column_level_audits_from_the_yaml(tmp_path, three_day_lake, no_seeds):
    write_model(tmp_path / "sql", "staging.states", "select cast(available as varchar) as state, "
                "nullif(color_raw, '') as color from raw.listings",
                "description: d\ncolumns:\n  - {name: state, description: s, accepted_values: ['true', 'false']}\n"
                "  - {name: color, description: c, not_null: true}\n")
    with pytest.raises(AuditFailure, match=r"not_null\(color\) failed on staging.states: 6 bad row"):
        run_transformations(three_day_lake, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)


def test_row_count_audit_compares_each_day_with_the_day_before(tmp_path, three_day_lake, no_seeds):
    sql = tmp_path / "sql"
    write_model(sql, "staging.rebag_days", """
        select listing_id, snapshot_date from raw.listings
        where marketplace = 'rebag' and {{ between_days('snapshot_date') }}
    """, "description: d\nmaterialized: incremental_by_day\nday_column: snapshot_date\n"
         "audits:\n  - row_count: {min_ratio: 0.6, max_ratio: 1.5}\n" + documented("listing_id", "snapshot_date"))
    run_transformations(three_day_lake, start_date=DAY1, end_date=DAY2, sql_dir=sql, seeds_dir=no_seeds)  # 2 -> 2
    with pytest.raises(AuditFailure) as failure:  # day 3: 1 row against 2 the day before
        run_transformations(three_day_lake, start_date=DAY3, end_date=DAY3, sql_dir=sql, seeds_dir=no_seeds)
    assert failure.value.audit == "row_count"
    assert "1 rows against 2 before" in str(failure.value) and "2024-03-03" in str(failure.value)
    assert query(three_day_lake, "select max(snapshot_date) from staging.rebag_days") == [(DAY2,)]
    with pytest.raises(AuditFailure):  # the same drop inside one full rebuild
        run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)


def test_row_count_audit_per_group_skips_excluded_days(tmp_path, three_day_lake, no_seeds):
    """A day the `exclude` query names (an incomplete snapshot) is not a drop; a real drop still fails, named by group."""
    sql = tmp_path / "sql"
    audit = "audits:\n  - row_count: {min_ratio: 0.6, max_ratio: 1.5, per: marketplace, exclude: \"EXCLUDE\"}\n"
    model_sql = """
        select listing_id, marketplace, snapshot_date
        from raw.listings where marketplace = 'rebag' and {{ between_days('snapshot_date') }}
    """
    yml = "description: d\nmaterialized: incremental_by_day\nday_column: snapshot_date\n" + audit + documented(
        "listing_id", "marketplace", "snapshot_date")
    write_model(sql, "staging.rebag_days", model_sql, yml.replace("EXCLUDE", "select date '2024-03-03', 'rebag'"))
    run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds)  # day 3 is "incomplete": skipped
    assert query(three_day_lake, "select max(snapshot_date) from staging.rebag_days") == [(DAY3,)]

    write_model(sql, "staging.rebag_days", model_sql, yml.replace("EXCLUDE", "select date '2024-03-03', 'vsp'"))
    with pytest.raises(AuditFailure, match=r"marketplace=rebag.*1 rows against 2 before"):
        run_transformations(three_day_lake, sql_dir=sql, seeds_dir=no_seeds, full_refresh=True)


def test_custom_audit_file(tmp_path, three_day_lake, no_seeds, monkeypatch):
    import transformations.audits as audits

    audit_dir = tmp_path / "audits"
    audit_dir.mkdir()
    (audit_dir / "max_price.sql").write_text("select * from {{ this }} where price > {{ limit }}")
    monkeypatch.setattr(audits, "AUDITS_DIR", audit_dir)
    audited_models(tmp_path / "sql", "audits:\n  - custom: {name: max_price, args: {limit: 9000}}\n")
    with pytest.raises(AuditFailure) as failure:
        run_transformations(three_day_lake, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    assert failure.value.audit == "custom:max_price" and failure.value.bad_row_count == 1


# ------------------------------------------------------------------- Trino


def test_render_for_trino_needs_no_cluster(tmp_path, no_seeds):
    settings = RadarSettings(lake_url="s3://lake/radar", warehouse_path=str(tmp_path / "w.duckdb"))
    sql = tmp_path / "sql"
    write_model(sql, "intermediate.listing_days", INCREMENTAL_SQL, INCREMENTAL_YML)
    write_model(sql, "marts.totals", "select sum(listings) as listings from intermediate.listing_days",
                "description: d\n" + documented("listings"))
    statements = render_for_trino(settings, start_date=DAY1, end_date=DAY2, sql_dir=sql, seeds_dir=no_seeds)
    text = "\n;\n".join(statements)
    assert "create schema if not exists iceberg.marts" in text
    assert "external_location = 's3://lake/radar/raw/listings'" in text
    assert "FROM hive.raw.listings" in text
    assert "DATE_ADD('DAY', -1, t.snapshot_date)" in text  # Trino SQL as written, not transpiled
    # each day is published by one MERGE (one Iceberg commit), the table by one create or replace
    merges = [s for s in statements if s.startswith("merge into iceberg.intermediate.listing_days as published")]
    assert [m.split("(values ")[1].split(")")[0] for m in merges] == ["date '2024-03-01'", "date '2024-03-02'"]
    assert not [s for s in statements if s.startswith(("delete from iceberg.intermediate", "alter table"))]
    assert ("create or replace table iceberg.marts.totals\ncomment 'd' as\n"
            "select * from iceberg.marts.totals__staged") in statements
    assert "comment on column iceberg.marts.totals.listings is 'the listings'" in statements
    assert ("insert into iceberg.seeds.model_days (model, day) values ('intermediate.listing_days', "
            "date '2024-03-02')") in statements
    assert text.index("iceberg.intermediate.listing_days__staged") < text.index("iceberg.marts.totals__staged")
    assert not (tmp_path / "w.duckdb").exists()


def test_trino_ddl_matches_the_lake_schema():
    ddl = render_trino_ddl(RadarSettings(lake_url="s3://b/p"))
    for source in RAW_SOURCES:
        statement = next(s for s in ddl if f"hive.{source.name} (" in s)
        body = statement[statement.index(f"hive.{source.name} (") : statement.index("\n)")].split("\n", 1)[1]
        declared = [tuple(line.strip().rstrip(",").split(" ", 1)) for line in body.strip().splitlines()]
        assert declared == list(source.columns)


def test_dry_run_leaves_the_warehouse_alone(tmp_path, three_day_lake, no_seeds):
    write_model(tmp_path / "sql", "intermediate.listing_days", INCREMENTAL_SQL, INCREMENTAL_YML)
    result = run_transformations(three_day_lake, dry_run=True, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    assert result.models[0].row_count == 4
    assert any("create table intermediate.listing_days__staged" in s for s in result.statements)
    # its empty database lacks every day: a dated dry run still builds only the days asked for
    dated = run_transformations(three_day_lake, dry_run=True, start_date=DAY3, end_date=DAY3,
                                sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    assert dated.models[0].intervals == [(DAY3, DAY3)]
    assert not Path(three_day_lake.warehouse_path).exists()


class FakeTrinoCursor:
    """Records statements like a Trino DB-API cursor; answers min/max date and count queries."""

    def __init__(self, log: list[str]) -> None:
        self.log, self.description, self._rows = log, None, []

    def execute(self, sql: str) -> None:
        self.log.append(sql)
        if "min(snapshot_date)" in sql:
            self._rows, self.description = [(DAY1, DAY1)], [("min",), ("max",)]
        elif "information_schema.columns" in sql and "table_name = 'listing_days'" in sql:  # published already
            columns = ("marketplace", "snapshot_date", "listings", "seen_the_day_before", "total_price")
            self._rows, self.description = [(c,) for c in columns], [("column_name",)]
        elif "information_schema.columns" in sql and "table_name = 'model_seed_versions'" in sql:
            self._rows, self.description = [("model",), ("seeds_sha256",)], [("column_name",)]
        elif "seeds_sha256" in sql and sql.startswith("SELECT"):  # built with these (no) seeds
            no_seeds = hashlib.sha256(b"").hexdigest()
            self._rows, self.description = [("intermediate.listing_days", no_seeds)], [("model",), ("seeds_sha256",)]
        elif sql.startswith("SELECT\n  COUNT(*)\nFROM"):
            self._rows, self.description = [(0,)], [("count",)]
        else:
            self._rows, self.description = [], None

    def fetchall(self) -> list[tuple]:
        return self._rows


def test_trino_engine_runs_the_printed_statements_on_a_connection(tmp_path, no_seeds, monkeypatch):
    import transformations.engines as engines

    executed: list[str] = []
    connection = type("FakeConnection", (), {"cursor": lambda self: FakeTrinoCursor(executed),
                                             "close": lambda self: None})()
    monkeypatch.setattr(engines, "connect_trino", lambda settings: connection)
    # a dated Trino run looks in the lake for its days' partitions: an empty local one here
    settings = RadarSettings(lake_url=str(tmp_path / "lake"), trino_url="http://radar@127.0.0.1:1/iceberg")
    write_model(tmp_path / "sql", "intermediate.listing_days", INCREMENTAL_SQL, INCREMENTAL_YML)

    result = run_transformations(settings, dialect="trino", start_date=DAY1, end_date=DAY1,
                                 sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    # what is looked up (tables, the lake's days, comments, the bookkeeping) depends on the cluster:
    # the plan is every other statement
    lookups = ("information_schema", "system.metadata.table_comments", "show columns", "show create table",
               "select distinct snapshot_date from hive.raw.crawl_manifests", "FROM iceberg.seeds.model_seed_versions",
               '$partitions"')

    def plan(statements):
        return [s for s in statements if not any(lookup in s for lookup in lookups)]

    assert set(result.statements) <= set(executed) and plan(result.statements) == plan(executed)
    printed = render_for_trino(settings, start_date=DAY1, end_date=DAY1, sql_dir=tmp_path / "sql", seeds_dir=no_seeds)
    assert plan(printed) == plan(result.statements)
    assert any(s.startswith("merge into iceberg.intermediate.listing_days as published") for s in executed)


def small_market_lake(settings: RadarSettings, days: list[date]) -> None:
    """Two marketplaces over a few days: arrivals, markdowns, sold flags, disappearances and
    one incomplete snapshot, so every project model has rows to compute."""
    for offset, day in enumerate(days):
        rebag = [listing("rebag", str(i), day, str(1000 + 10 * i - (50 * offset if i % 3 == 0 else 0)),
                         available=not (i == 4 and offset >= 2))
                 for i in range(offset, 12 + offset) if i % 7 != offset % 7]
        vsp = [listing("vsp", f"v{i}", day, str(2000 + i)) for i in range(8) if not (i == 2 and offset >= 1)]
        publish(settings, "rebag", day, rebag)
        publish(settings, "vsp", day, vsp, complete=(offset != 2))


def warehouse_tables(settings: RadarSettings, names: list[str]) -> dict[str, list[tuple]]:
    return {name: sorted(query(settings, f"select * from {name}"), key=repr) for name in names}


def test_project_models_day_by_day_equal_a_full_rebuild(tmp_path):
    days = [date(2026, 3, 2) + timedelta(days=offset) for offset in range(4)]
    full = settings_for(tmp_path)
    small_market_lake(full, days)
    daily = RadarSettings(lake_url=full.lake_url, warehouse_path=str(tmp_path / "daily.duckdb"))

    result = run_transformations(full)
    names = [m.name for m in result.models]
    assert result.documentation_problems == {}
    assert query(full, "select count(*) from staging.stg_rebag__listings") != [(0,)]
    for day in days:
        run_transformations(daily, start_date=day, end_date=day)
    assert warehouse_tables(daily, names) == warehouse_tables(full, names)

    rebuilt_once = warehouse_tables(full, names)
    run_transformations(full)
    assert warehouse_tables(full, names) == rebuilt_once  # rebuilding twice gives identical tables
