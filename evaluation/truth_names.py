"""The truth's brand, model, size and colour names mapped to the pipeline's canonical ones."""

from __future__ import annotations

import csv
from pathlib import Path

from radar.text import alias_words
from transformations.sources import SEEDS_DIR


class Canonicaliser:
    """The truth's brand/model/size/colour names mapped through the seeds, as the SQL does."""

    def __init__(self, seeds_dir: Path = SEEDS_DIR):
        read = lambda name: list(csv.DictReader(open(seeds_dir / f"{name}.csv", encoding="utf-8")))  # noqa: E731
        self.brands = {row["alias"]: row["brand"] for row in read("brand_aliases")}
        self.models: dict[str, list[tuple[str, str]]] = {}
        self.seeded: dict[str, dict[str, str]] = {}  # brand -> {normalised alias or model: model}
        for row in read("model_aliases"):
            self.models.setdefault(row["brand"], []).append((row["alias"], row["model"]))
            names = self.seeded.setdefault(row["brand"], {})
            names.setdefault(alias_words(row["alias"]), row["model"])
            names.setdefault(alias_words(row["model"]), row["model"])
        self.sizes: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for row in read("model_sizes"):
            self.sizes.setdefault((row["brand"], row["model"]), []).append((row["alias"], row["size"]))
        self.colors = {row["alias"]: row["color"] for row in read("color_families")}
        self.marketplaces = {row["marketplace"]: row for row in read("marketplaces")}

    @staticmethod
    def _longest(text: str, aliases: list[tuple[str, str]]) -> str | None:
        padded = f" {alias_words(text)} "
        found = [(len(alias), value) for alias, value in aliases if f" {alias} " in padded]
        return max(found)[1] if found else None

    def brand(self, brand: str | None) -> str | None:
        return self.brands.get(alias_words(brand), brand)

    def model(self, brand: str | None, model: str | None) -> str | None:
        return self._longest(model or "", self.models.get(self.brand(brand) or "", [])) or model

    def seeded_model(self, brand: str | None, model: str | None) -> str | None:
        """The seed's model when the whole name is one of the brand's aliases (or seed models);
        None for a model the seeds do not name, even one with a seeded name inside it
        ("Neverfull Pochette" is not the Neverfull)."""
        return self.seeded.get(self.brand(brand) or "", {}).get(alias_words(model))

    def true_model(self, brand: str | None, model: str | None) -> tuple[str | None, str | None]:
        """A truth row's model identity: (brand, the seed's model or else the truth's own name)."""
        return self.brand(brand), self.seeded_model(brand, model) or model

    def size(self, brand: str | None, model: str | None, size: str | None) -> str | None:
        if not size:
            return None
        key = (self.brand(brand) or "", self.model(brand, model) or "")
        return self._longest(size, self.sizes.get(key, [])) or self._longest(size, self.sizes.get(("*", "*"), [])) or size

    def color(self, color: str | None) -> str | None:
        return self.colors.get(alias_words(color), color)
