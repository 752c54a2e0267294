"""The scorer on an open world, on a small hand-made warehouse and truth: model coverage, one
model_key per true model across listings and marketplaces, and median days to sell of a model
the seeds do not name, found through its listings' key."""

from __future__ import annotations

from contextlib import closing
from datetime import date, timedelta

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from evaluation.metrics import MODEL_COVERAGE_TARGET
from evaluation.scoring import score
from evaluation.truth_names import TruthNames, seeds_engine
from sandbox.truth import EPISODES_SCHEMA
from transformations.sources import load_seeds, load_seeds_duckdb

FIRST = date(2026, 9, 1)
LAST = date(2026, 9, 30)

# (marketplace, id, true brand, true model, our model, our model_key, days to sell or None: still on sale)
LISTINGS = [
    ("rebag", "1", "Hermès", "Birkin", "Birkin", "hermes/birkin", 4),
    ("rebag", "2", "Hermès", "Birkin", "Birkin", "hermes/birkin", 6),
    ("fashionphile", "3", "Hermès", "Birkin", "Birkin", "hermes/birkin", 5),
    ("rebag", "10", "Louis Vuitton", "Odéon", "Odeon", "louis-vuitton/odeon", 10),
    ("rebag", "11", "Louis Vuitton", "Odéon", "Odeon", "louis-vuitton/odeon", 12),
    ("fashionphile", "12", "Louis Vuitton", "Odéon", "Odeon", "louis-vuitton/odeon", 14),
    ("fashionphile", "13", "Louis Vuitton", "Odéon", "Odeon", "louis-vuitton/odeon", 16),
    ("rebag", "20", "Louis Vuitton", "Sully", "Sully", "louis-vuitton/sully", 20),
    ("rebag", "21", "Louis Vuitton", "Sully", "Sully", "louis-vuitton/sully", None),
    ("fashionphile", "22", "Louis Vuitton", "Sully", "Sully Vintage", "louis-vuitton/sully-vintage", None),
    ("rebag", "30", "Louis Vuitton", "Neverfull", "Neverfull", "louis-vuitton/neverfull", 8),
    ("rebag", "31", "Louis Vuitton", "Neverfull", "Neverfull", "louis-vuitton/neverfull", 9),
    ("rebag", "32", "Louis Vuitton", "Neverfull Pochette", "Neverfull", "louis-vuitton/neverfull", 15),
    ("fashionphile", "33", "Louis Vuitton", "Neverfull Pochette", None, None, 17),
]


def _truth_table(rows) -> pa.Table:
    columns = {
        "marketplace": [r[0] for r in rows], "listing_id": [r[1] for r in rows], "brand": [r[2] for r in rows],
        "model": [r[3] for r in rows], "size": [None] * len(rows), "condition": ["EXCELLENT"] * len(rows),
        "color": ["Black"] * len(rows), "is_bag": [True] * len(rows),
        "listed_date": [FIRST + timedelta(days=1)] * len(rows),
        "end_date": [FIRST + timedelta(days=1 + r[6]) if r[6] is not None else None for r in rows],
        "end_reason": ["sold" if r[6] is not None else None for r in rows],
        "sale_date": [FIRST + timedelta(days=1 + r[6]) if r[6] is not None else None for r in rows],
    }
    return pa.table(columns)


def _episodes_table(rows) -> pa.Table:
    """One time on sale per bag, as the truth writes it (EPISODES_SCHEMA of sandbox/truth.py)."""
    return pa.table({
        "marketplace": [r[0] for r in rows], "listing_id": [r[1] for r in rows], "episode_no": [1] * len(rows),
        "start_date": [FIRST + timedelta(days=1)] * len(rows),
        "end_date": [FIRST + timedelta(days=1 + r[6]) if r[6] is not None else None for r in rows],
        "end_reason": ["sold" if r[6] is not None else None for r in rows],
    }, schema=EPISODES_SCHEMA)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("open_world")
    (data_dir / "truth").mkdir()
    pq.write_table(_truth_table(LISTINGS), data_dir / "truth" / "listings.parquet")
    pq.write_table(_episodes_table(LISTINGS), data_dir / "truth" / "episodes.parquet")
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    con.execute("create schema marts; create schema intermediate")
    load_seeds_duckdb(con, load_seeds())  # a built warehouse holds the seeds it was built with
    con.execute("create table intermediate.int_marketplace_snapshots "
                "(marketplace varchar, snapshot_date date, is_complete boolean)")
    for marketplace in ("rebag", "fashionphile"):
        for offset in range((LAST - FIRST).days + 1):
            con.execute("insert into intermediate.int_marketplace_snapshots values (?, ?, true)",
                        [marketplace, FIRST + timedelta(days=offset)])
    con.execute("""create table marts.dim_listing (marketplace varchar, listing_id varchar, brand varchar,
        model varchar, model_key varchar, size varchar, condition varchar, color varchar, status varchar,
        sale_date date, days_to_sell integer)""")
    for marketplace, listing_id, brand, _, model, key, days in LISTINGS:
        sale = FIRST + timedelta(days=1 + days) if days is not None else None
        con.execute("insert into marts.dim_listing values (?, ?, ?, ?, ?, null, 'EXCELLENT', 'Black', ?, ?, ?)",
                    [marketplace, listing_id, brand, model, key, "sold" if sale else "active", sale, days])
    con.close()
    return data_dir


@pytest.fixture(scope="module")
def report(data_dir):
    return score(data_dir, min_model_sales=2)


def test_model_coverage_per_marketplace_and_overall_with_its_target(report):
    coverage = {m.marketplace: m.model_coverage for m in report.marketplaces}
    assert coverage == {"rebag": 1.0, "fashionphile": pytest.approx(4 / 5)}
    assert report.model_coverage == pytest.approx(13 / 14)
    assert "fashionphile: model coverage 0.800 < 0.97" in report.failures()
    assert f"overall: model coverage {13 / 14:.3f} < {MODEL_COVERAGE_TARGET:.2f}" in report.failures()
    assert not any(p.startswith("rebag: model coverage") for p in report.failures())


def test_one_key_per_true_model_across_listings_and_marketplaces(report):
    keys = {(k.brand, k.model): k for k in report.model_keys}
    assert set(keys) == {("Hermès", "Birkin"), ("Louis Vuitton", "Odéon"), ("Louis Vuitton", "Sully"),
                         ("Louis Vuitton", "Neverfull"), ("Louis Vuitton", "Neverfull Pochette")}
    odeon = keys[("Louis Vuitton", "Odéon")]
    assert odeon.one_key and odeon.marketplaces == 2 and not odeon.seeded  # one key on two sites
    assert keys[("Hermès", "Birkin")].seeded and keys[("Hermès", "Birkin")].one_key
    assert keys[("Louis Vuitton", "Sully")].keys == {"louis-vuitton/sully": 2, "louis-vuitton/sully-vintage": 1}
    pochette = keys[("Louis Vuitton", "Neverfull Pochette")]
    assert pochette.keys == {"louis-vuitton/neverfull": 1} and pochette.without_key == 1 and not pochette.one_key
    assert report.one_key_share() == pytest.approx(3 / 5)
    assert report.one_key_share(seeded=False) == pytest.approx(1 / 3)
    worst = report.split_models()
    assert [(k.model, len(k.keys)) for k in worst] == [("Sully", 2), ("Neverfull Pochette", 1)]
    assert report.shared_keys() == [("louis-vuitton/neverfull", {"Louis Vuitton Neverfull": 2,
                                                                 "Louis Vuitton Neverfull Pochette": 1})]
    text = report.to_text()
    assert "One key per true model: 3/5 = 0.600" in text
    assert "Louis Vuitton Sully * (3 listings, 2 marketplaces) -> louis-vuitton/sully 2, louis-vuitton/sully-vintage 1" in text
    assert "louis-vuitton/neverfull <- Louis Vuitton Neverfull 2, Louis Vuitton Neverfull Pochette 1" in text


def test_a_model_the_seeds_do_not_name_is_scored_through_its_listings_key(report):
    models = {s.model: s for s in report.models}
    odeon = models["Odéon"]
    assert not odeon.seeded and odeon.model_key == "louis-vuitton/odeon"
    assert (odeon.true_sales, odeon.predicted_sales, odeon.true_median_days, odeon.predicted_median_days) == (4, 4, 13, 13)
    # a model with a seeded name inside its own is not that model: the truth keeps them apart
    assert models["Neverfull"].true_sales == 2 and models["Neverfull"].true_median_days == 8.5
    pochette = models["Neverfull Pochette"]
    assert pochette.model_key == "louis-vuitton/neverfull" and pochette.true_median_days == 16
    assert pochette.predicted_median_days == 9 and pochette.error_days == 7  # merged with the Neverfull: wrong
    assert models["Birkin"].seeded and models["Birkin"].predicted_median_days == 5


def test_model_accuracy_counts_only_the_models_the_seeds_name(report):
    rebag = next(m for m in report.marketplaces if m.marketplace == "rebag")
    # Birkin x2 and Neverfull x2 right; Odéon, Sully and the Pochette are not in the seeds
    assert rebag.attribute_accuracy["model"] == 1.0


def test_the_truth_names_tell_seeded_models_from_others():
    truth = [{"brand": brand, "model": model} for brand, model in (
        ("Hermes", "Birkin"), ("Louis Vuitton", "Neverfull Pochette"), ("Louis Vuitton", "Odéon"),
        ("Chanel", "Classic Double Flap"))]
    with closing(seeds_engine()) as engine:
        names = TruthNames.resolve(engine, truth)
    assert names.seeded_model("Hermes", "Birkin") == "Birkin"
    assert names.seeded_model("Louis Vuitton", "Neverfull Pochette") is None
    assert names.model("Louis Vuitton", "Neverfull Pochette") == "Neverfull"  # what a title matcher would say
    assert names.true_model("Louis Vuitton", "Odéon") == ("Louis Vuitton", "Odéon")
    assert names.true_model("Chanel", "Classic Double Flap") == ("Chanel", "Classic Flap")
    assert names.is_seeded(("Chanel", "Classic Flap")) and not names.is_seeded(("Louis Vuitton", "Odéon"))


def test_an_older_warehouse_without_model_key_still_scores(tmp_path, data_dir):
    import shutil

    shutil.copytree(data_dir, tmp_path / "old")
    with duckdb.connect(str(tmp_path / "old" / "warehouse.duckdb")) as con:
        con.execute("alter table marts.dim_listing drop column model_key")
    report = score(tmp_path / "old", min_model_sales=2)
    assert report.model_keys is None and report.one_key_share() is None
    assert "marts.dim_listing has no model_key" in report.to_text()
    assert {s.model: s.predicted_median_days for s in report.models}["Odéon"] is None


def test_the_scorer_reads_the_marts_through_the_pipelines_engine(data_dir, report):
    from transformations.engines import DuckDBEngine

    engine = DuckDBEngine(str(data_dir / "warehouse.duckdb"))
    try:
        through_engine = score(data_dir, min_model_sales=2, engine=engine)
        statements = "\n".join(engine.statements)
        assert engine.fetch("select 1")[1] == [(1,)]  # the caller's engine is left open
    finally:
        engine.close()
    assert through_engine.to_text() == report.to_text()
    for table in ("marts.dim_listing", "intermediate.int_marketplace_snapshots", "seeds.marketplaces",
                  "seeds.brand_aliases", "seeds.model_aliases", "seeds.model_sizes", "seeds.color_families"):
        assert table in statements, table


def test_on_trino_the_scorer_runs_the_same_queries_compiled_for_trino(data_dir):
    """A print-only TrinoEngine records what a Trino warehouse would be asked: the same reads,
    in Trino SQL, on the warehouse's catalog (no cluster here: nothing comes back)."""
    import sqlglot

    from transformations.engines import TrinoEngine

    engine = TrinoEngine(catalog="lakehouse")
    empty = score(data_dir, engine=engine)
    assert empty.marketplaces == [] and empty.models == []
    statements = "\n".join(engine.statements)
    for table in ("lakehouse.marts.dim_listing", "lakehouse.intermediate.int_marketplace_snapshots",
                  "lakehouse.seeds.marketplaces", "lakehouse.seeds.model_aliases", "lakehouse.seeds.color_families"):
        assert table in statements, table
    assert "'Neverfull Pochette'" in statements  # the truth's names go in as literal rows
    for statement in engine.statements:
        sqlglot.parse_one(statement, read="trino")


def test_a_missing_warehouse_is_a_clear_error_and_creates_none(tmp_path, data_dir, capsys):
    import shutil

    from cli.main import main
    from evaluation.warehouse import WarehouseMissing

    shutil.copytree(data_dir / "truth", tmp_path / "truth")
    with pytest.raises(WarehouseMissing, match="no warehouse at"):
        score(tmp_path)
    assert main(["score", "--data-dir", str(tmp_path)]) == 2
    assert "warehouse.duckdb: run `radar demo" in capsys.readouterr().err
    assert not (tmp_path / "warehouse.duckdb").exists()


def test_radar_score_prints_the_report_and_fails_on_a_missed_threshold(data_dir, report, capsys):
    from cli.main import main

    assert main(["score", "--data-dir", str(data_dir)]) == 1  # fashionphile's model coverage is 0.8
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1] == "FAIL" and "fashionphile: model coverage 0.800 < 0.97" in printed
