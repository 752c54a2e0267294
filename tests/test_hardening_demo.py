"""Issue 11, finding 1: `radar demo` checks every argument, and that its data directory holds
nothing but a previous demo's outputs, before it writes or deletes anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from cli import main as cli
from cli.demo import DEMO_MARKER, DemoError, check_data_dir, record_demo_crawls, reset_data_dir, run_demo
from radar.settings import RadarSettings
from tests.test_transform_runner import listing, publish

REPO = Path(__file__).resolve().parent.parent


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes: what must survive a refused demo."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def demo(*args: str) -> int:
    try:
        return cli.main(["demo", *args])
    except SystemExit as exit_:  # argparse refuses its own way (exit 2)
        return exit_.code


def test_the_issues_repro_keeps_precious_txt(tmp_path, capsys):
    """mkdir -p D/lake; echo x > D/lake/precious.txt; radar demo --days 3 --marketplaces rebagg --data-dir D"""
    (tmp_path / "D" / "lake").mkdir(parents=True)
    (tmp_path / "D" / "lake" / "precious.txt").write_text("x\n")
    assert demo("--days", "3", "--marketplaces", "rebagg", "--data-dir", str(tmp_path / "D")) == 2
    assert "unknown marketplace(s) rebagg" in capsys.readouterr().err
    assert tree(tmp_path / "D") == {"lake/precious.txt": b"x\n"}


def test_valid_arguments_over_a_foreign_lake_are_refused_too(tmp_path, capsys):
    (tmp_path / "D" / "lake").mkdir(parents=True)
    (tmp_path / "D" / "lake" / "precious.txt").write_text("x\n")
    assert demo("--days", "3", "--marketplaces", "rebag", "--data-dir", str(tmp_path / "D")) == 2
    error = capsys.readouterr().err
    assert "no demo created" in error and str(tmp_path / "D") in error and "nothing was changed" in error
    assert tree(tmp_path / "D") == {"lake/precious.txt": b"x\n"}


def real_lake(data_dir: Path) -> None:
    """What `radar run` leaves in data/: a published day and a warehouse, no demo marker."""
    settings = RadarSettings(lake_url=str(data_dir / "lake"), warehouse_path=str(data_dir / "warehouse.duckdb"))
    publish(settings, "rebag", date(2026, 9, 1), [listing("rebag", "1", date(2026, 9, 1), "900")])
    (data_dir / "warehouse.duckdb").write_bytes(b"not ours to delete")


@pytest.mark.parametrize("keep", ["lake", "warehouse.duckdb", "truth"])
def test_a_real_lake_warehouse_or_truth_is_never_deleted(tmp_path, capsys, keep):
    data_dir = tmp_path / "data"
    real_lake(data_dir)
    (data_dir / "truth").mkdir()
    (data_dir / "truth" / "listings.parquet").write_bytes(b"truth")
    for other in {"lake", "warehouse.duckdb", "truth"} - {keep}:  # only `keep` is there
        path = data_dir / other
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    before = tree(data_dir)
    assert demo("--days", "2", "--data-dir", str(data_dir)) == 2
    assert keep in capsys.readouterr().err
    assert tree(data_dir) == before


def test_a_previous_demos_directory_with_a_foreign_file_in_its_lake_is_refused(tmp_path):
    data_dir = tmp_path / "D"
    reset_data_dir(data_dir)
    (data_dir / "lake" / "raw").mkdir(parents=True)
    (data_dir / "lake" / "precious.txt").write_text("x\n")
    with pytest.raises(DemoError, match=r"precious.txt"):
        check_data_dir(data_dir)


def test_a_symlinked_lake_is_refused_even_in_a_demos_directory(tmp_path):
    real = tmp_path / "real"
    real_lake(real)
    data_dir = tmp_path / "D"
    reset_data_dir(data_dir)
    (data_dir / "lake").symlink_to(real / "lake")
    with pytest.raises(DemoError, match="symbolic link"):
        check_data_dir(data_dir)
    assert (real / "lake" / "raw").is_dir()


def test_a_previous_demos_outputs_are_reset_and_nothing_else(tmp_path):
    data_dir = tmp_path / "D"
    reset_data_dir(data_dir)
    (data_dir / "lake" / "raw" / "listings").mkdir(parents=True)
    (data_dir / "lake" / "raw" / "listings" / "old.parquet").write_bytes(b"old")
    (data_dir / "lake" / "_tmp").mkdir()
    (data_dir / "truth").mkdir()
    (data_dir / "truth" / "listings.parquet").write_bytes(b"old")
    (data_dir / "warehouse.duckdb").write_bytes(b"old")
    (data_dir / "notes.md").write_text("mine")  # beside the demo's outputs: never touched
    check_data_dir(data_dir)
    reset_data_dir(data_dir)
    assert sorted(p.name for p in data_dir.iterdir()) == [DEMO_MARKER, "notes.md"]
    assert (data_dir / "notes.md").read_text() == "mine"


def test_a_file_as_data_dir_is_refused(tmp_path, capsys):
    path = tmp_path / "data"
    path.write_text("a file")
    assert demo("--days", "2", "--data-dir", str(path)) == 2
    assert "not a directory" in capsys.readouterr().err
    assert path.read_text() == "a file"


@pytest.mark.parametrize("args, message", [
    (["--scale", "-1"], "--scale"),
    (["--scale", "0"], "--scale"),
    (["--scale", "inf"], "--scale"),
    (["--days", "0"], "--days"),
    (["--incomplete-snapshots", "-1"], "--incomplete-snapshots"),
    (["--marketplaces", ","], "--marketplaces"),
    (["--start-date", "2026-02-30"], "--start-date"),
])
def test_bad_arguments_are_refused_before_anything_is_written(tmp_path, capsys, args, message):
    data_dir = tmp_path / "D"
    assert demo(*args, "--data-dir", str(data_dir)) == 2
    assert message in capsys.readouterr().err
    assert not data_dir.exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": -1.0}, "--scale"),
    ({"scale": float("nan")}, "--scale"),
    ({"days": 0}, "--days"),
    ({"marketplaces": ["rebagg"]}, "rebagg"),
    ({"incomplete_snapshots": -2}, "--incomplete-snapshots"),
])
def test_run_demo_checks_its_arguments_before_the_disk(tmp_path, kwargs, message):
    arguments = {"days": 2, "data_dir": tmp_path / "D", "marketplaces": ["rebag"], "seed": 7, "scale": 0.1,
                 "start_date": date(2026, 9, 1), "incomplete_snapshots": 0, **kwargs}
    with pytest.raises(DemoError, match=message):
        run_demo(**arguments)
    assert not (tmp_path / "D").exists()


@pytest.mark.slow
def test_a_demo_marks_its_directory_and_a_second_demo_resets_it(tmp_path):
    data_dir = tmp_path / "D"
    command = [sys.executable, "-m", "cli.main", "demo", "--days", "1", "--marketplaces", "rebag", "--scale", "0.05",
               "--incomplete-snapshots", "0", "--still-market", "--data-dir", str(data_dir)]
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "160"}
    first = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    assert (data_dir / DEMO_MARKER).is_file() and (data_dir / "warehouse.duckdb").is_file()
    stale = data_dir / "lake" / "raw" / "listings" / "marketplace=rebag" / "snapshot_date=2020-01-01"
    stale.mkdir(parents=True)
    (stale / "part-0.parquet").write_bytes(b"a previous demo's day")
    second = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=900, env=env)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    assert not stale.exists() and (data_dir / "lake" / "raw" / "listings" / "marketplace=rebag").is_dir()


def test_a_crawl_published_into_a_demos_lake_afterwards_is_real_data_and_refused(tmp_path):
    """`radar run` into a demo's directory (data/ is both defaults): the marker alone is no licence
    to delete; it lists the crawls the demo published, and a lake holding any other is refused."""
    data_dir = tmp_path / "data"
    settings = RadarSettings(lake_url=str(data_dir / "lake"), warehouse_path=str(data_dir / "warehouse.duckdb"))
    reset_data_dir(data_dir)
    publish(settings, "rebag", date(2026, 9, 1), [listing("rebag", "1", date(2026, 9, 1), "900")])
    record_demo_crawls(data_dir)  # what a demo does once it has published its days
    check_data_dir(data_dir)  # only the demo's own crawls: it may be reset
    publish(settings, "vsp", date(2026, 9, 2), [listing("vsp", "2", date(2026, 9, 2), "700")])  # a real run
    before = tree(data_dir)
    with pytest.raises(DemoError, match=r"1 snapshot\(s\) no demo wrote .*marketplace=vsp"):
        check_data_dir(data_dir)
    assert tree(data_dir) == before
