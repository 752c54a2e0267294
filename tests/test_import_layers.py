"""Layers go one way (issue 13): the import-linter contracts in pyproject.toml hold, and they cover
every package of the repo, so a new package cannot slip past them."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_every_package_of_the_repo_is_under_the_contracts():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages == set(_config()["root_packages"])


def test_the_core_is_the_bottom_layer_and_the_cli_the_top():
    layers = next(c for c in _config()["contracts"] if c["type"] == "layers" and "cli" in c["layers"])["layers"]
    assert layers[0] == "cli" and layers[-1] == "radar"
    forbidden = next(c for c in _config()["contracts"] if c["type"] == "forbidden")
    assert set(forbidden["forbidden_modules"]) == {"sandbox", "evaluation"}
    assert {"radar", "crawlers", "transformations", "flows"} <= set(forbidden["source_modules"])


def test_the_import_layers_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
