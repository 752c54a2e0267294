"""Tools that keep the tree as it is (issue 13): ruff and mypy, configured in pyproject.toml, find
nothing. `make lint` runs the same commands before the suite; this test makes the suite guard it too."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_ruff_finds_nothing():
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing():
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout


def test_mypy_checks_every_package_of_the_repo():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages <= set(config["mypy"]["files"])
    assert packages <= set(config["ruff"]["lint"]["isort"]["known-first-party"])


def test_ruff_reports_a_finding_it_is_shown(tmp_path: Path):
    """The check is live: an unused import and an unused `# noqa` in a file under the config are findings."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nx = 1  # noqa: E501\n")
    result = _run("ruff", "check", "--no-cache", "--output-format", "concise", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert result.returncode == 1
    assert "F401" in result.stdout and "RUF100" in result.stdout


def test_make_test_runs_the_checks_first():
    """`make test` (so CI's .ci/run) depends on `make lint`, which runs ruff, mypy and the import layers."""
    makefile = (ROOT / "Makefile").read_text()
    test_deps = next(line for line in makefile.splitlines() if line.startswith("test:")).split(":", 1)[1].split()
    assert "lint" in test_deps
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    for command in ("$(BIN)/ruff check .", "$(BIN)/mypy", "$(BIN)/lint-imports", "sqlfluff lint transformations"):
        assert command in recipe, command
