"""The truth's brand, model, size and colour names as the pipeline maps them: its seeds, read
from the engine, and its own matching macros (norm, word_position), in truth_names.sql and
truth_colors.sql beside this file. The names go into the query as literal rows, so nothing is
written to the warehouse and a Trino warehouse is read the same way.

    names = TruthNames.resolve(engine, truth.values())   # truth rows (brand, model, size, color)
    names.brand("Hermes") == "Hermès"; names.true_model("Chanel", "Classic Double Flap") == ("Chanel", "Classic Flap")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation.warehouse import rows
from transformations.engines import DuckDBEngine, Engine, sql_string
from transformations.models import jinja_environment, render_template
from transformations.sources import load_seeds, load_seeds_duckdb

SQL_DIR = Path(__file__).resolve().parent  # truth_names.sql, truth_colors.sql (package data: pyproject "*.sql")
ModelName = tuple[str, str]  # (brand, model)
SizeName = tuple[str, str, str | None]  # (brand, model, size)


class UnresolvedName(KeyError):
    """A name that was not among the names resolved (a bug of the caller: resolve it first)."""


@dataclass(frozen=True)
class MappedName:
    """One truth (brand, model, size) as the seeds map it."""

    brand: str
    model: str  # the brand's longest alias found in the name, else the truth's name
    seeded_model: str | None  # the seed's model whose whole name it is; None: the seeds do not name it
    size: str | None


class TruthNames:
    """Lookups of the truth's names, resolved once by the engine (`resolve`)."""

    def __init__(self, names: Mapping[SizeName, MappedName], colors: Mapping[str | None, str | None]):
        self._names = dict(names)
        self._models: dict[ModelName, MappedName] = {(b, m): mapped for (b, m, _), mapped in self._names.items()}
        self._brands = {b: mapped.brand for (b, _), mapped in self._models.items()}
        self._colors = dict(colors)
        # a true model (brand, seed's model or the truth's name) -> whether the seeds name it
        self._seeded: dict[ModelName, bool] = {}
        for (_, model), mapped in self._models.items():
            key = (mapped.brand, mapped.seeded_model or model)
            self._seeded[key] = self._seeded.get(key, False) or mapped.seeded_model is not None

    @classmethod
    def resolve(cls, engine: Engine, truth_rows: Iterable[Mapping[str, Any]]) -> TruthNames:
        """The names of `truth_rows` (dicts with brand, model and optionally size and color) mapped
        by the engine's seeds."""
        names: set[SizeName] = set()
        colors: set[str | None] = set()
        for row in truth_rows:
            if not row["brand"] or not row["model"]:
                raise ValueError(f"a truth row without a brand or a model: {dict(row)}")
            names.add((row["brand"], row["model"], row.get("size")))
            colors.add(row.get("color"))
        resolved = _query(engine, "truth_names.sql", sorted(names, key=_sort_key))
        mapped = {
            (r["truth_brand"], r["truth_model"], r["truth_size"]):
                MappedName(r["brand"], r["model"], r["seeded_model"], r["size"])
            for r in resolved
        }
        color_rows = _query(engine, "truth_colors.sql", [(c,) for c in sorted(colors, key=lambda c: c or "")])
        return cls(mapped, {r["truth_color"]: r["color"] for r in color_rows})

    def _model(self, brand: str, model: str) -> MappedName:
        try:
            return self._models[(brand, model)]
        except KeyError:
            raise UnresolvedName(f"{brand!r} {model!r} was not among the names resolved") from None

    def brand(self, brand: str) -> str:
        try:
            return self._brands[brand]
        except KeyError:
            raise UnresolvedName(f"brand {brand!r} was not among the names resolved") from None

    def model(self, brand: str, model: str) -> str:
        """What a title matcher would say: the brand's longest alias in the name, else the name."""
        return self._model(brand, model).model

    def seeded_model(self, brand: str, model: str) -> str | None:
        """The seed's model when the whole name is one of the brand's aliases (or seed models);
        None for a model the seeds do not name, even one with a seeded name inside it
        ("Neverfull Pochette" is not the Neverfull)."""
        return self._model(brand, model).seeded_model

    def true_model(self, brand: str, model: str) -> ModelName:
        """A truth row's model identity: (brand, the seed's model or else the truth's own name)."""
        mapped = self._model(brand, model)
        return mapped.brand, mapped.seeded_model or model

    def is_seeded(self, true_model: ModelName) -> bool:
        """Whether the seeds name a true model (a key of `true_model`)."""
        return self._seeded.get(true_model, False)

    def size(self, brand: str, model: str, size: str | None) -> str | None:
        try:
            return self._names[(brand, model, size)].size
        except KeyError:
            raise UnresolvedName(f"{brand!r} {model!r} size {size!r} was not among the names resolved") from None

    def color(self, color: str | None) -> str | None:
        try:
            return self._colors[color]
        except KeyError:
            raise UnresolvedName(f"colour {color!r} was not among the names resolved") from None


def seeds_engine() -> DuckDBEngine:
    """An in-memory engine holding only the repository's seeds, as a build loads them: to map
    names where there is no warehouse (the sandbox's own tests, benchmarks of the market alone)."""
    engine = DuckDBEngine()
    load_seeds_duckdb(engine.con, load_seeds())
    return engine


def _query(engine: Engine, file_name: str, names: list[tuple[str | None, ...]]) -> list[dict[str, Any]]:
    if not names:
        return []
    values = ",\n            ".join(
        "(" + ", ".join([str(number), *(_literal(value) for value in name)]) + ")"
        for number, name in enumerate(names, start=1)
    )
    path = SQL_DIR / file_name
    sql = render_template(path.read_text(), {"names": values}, path=path, env=jinja_environment())
    return rows(engine, sql, path=path)


def _literal(value: str | None) -> str:
    return "cast(null as varchar)" if value is None else sql_string(value)


def _sort_key(name: tuple[str | None, ...]) -> tuple[str, ...]:
    return tuple(part or "" for part in name)
