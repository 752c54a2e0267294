"""The analyst's loop (`radar catalogue`): what the seeds do not cover yet, and the alias rows
that would cover it.

The models resolve every bag they can (docs/market-model.md, "Which model"); a model found only
through the site's own field (`model_source = 'site'`) or the title's words (`title_fragment`)
is real but has no seed alias, so the same bag worded differently elsewhere may get another key.
This lists those models by listings and sales, with the closest known aliases of the brand
(rapidfuzz) and a ready `model_aliases.csv` row for each. Adding the row reclassifies the whole
history on the next run (the runner rebuilds the incremental models that read a changed seed).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from radar.settings import RadarSettings
from radar.text import alias_words
from transformations.runner import query
from transformations.sources import SEEDS_DIR

SEED_SOURCES = ("site_alias", "title_alias")
UNSEEDED_SOURCES = ("site", "title_fragment")
SAME_MODEL_SCORE = 85.0  # a known alias at least this close: propose an alias of that model


@dataclass(frozen=True)
class AliasMatch:
    model: str
    alias: str
    score: float


@dataclass
class Entry:
    brand: str | None
    model: str
    model_source: str
    listings: int
    sold: int
    marketplaces: int
    example_title: str | None
    cumulative_seeded_share: float  # share of bags with a seed alias once this and every entry above are added
    matches: list[AliasMatch] = field(default_factory=list)

    @property
    def proposed_row(self) -> tuple[str, str, str]:
        """(brand, model, alias): an alias of a known model when one is close, else a new model."""
        alias = alias_words(self.model)
        if self.matches and self.matches[0].score >= SAME_MODEL_SCORE:
            return (self.brand or "", self.matches[0].model, alias)
        return (self.brand or "", self.model, alias)


@dataclass
class Catalogue:
    bags: int
    seeded: int  # model from a seed alias
    unmodelled: int  # no model at all
    entries: list[Entry]
    unmodelled_titles: list[tuple[str, int]]

    @property
    def seeded_share(self) -> float:
        return self.seeded / self.bags if self.bags else 0.0

    @property
    def unmodelled_share(self) -> float:
        return self.unmodelled / self.bags if self.bags else 0.0

    def to_text(self) -> str:
        lines = [
            f"{self.bags} bags: {self.seeded_share:.1%} matched by a seed alias, "
            f"{1 - self.seeded_share - self.unmodelled_share:.1%} with a model only from the site or the title, "
            f"{self.unmodelled_share:.1%} without a model.",
        ]
        if self.entries:
            lines += ["", "Models the seeds do not cover, most listings first "
                          "(add the row to transformations/seeds/model_aliases.csv):",
                      f"{'#':>3}  {'brand':<18} {'model':<30} {'source':<14} {'listings':>8} {'sold':>5} "
                      f"{'seeded if added':>15}  closest known aliases -> row to add"]
            for rank, entry in enumerate(self.entries, 1):
                closest = ", ".join(f"{m.model} ('{m.alias}' {m.score:.0f})" for m in entry.matches) or "none"
                row = ",".join(entry.proposed_row)
                lines.append(
                    f"{rank:>3}  {(entry.brand or '?')[:18]:<18} {entry.model[:30]:<30} {entry.model_source:<14} "
                    f"{entry.listings:>8} {entry.sold:>5} {entry.cumulative_seeded_share:>15.1%}  {closest} -> {row}"
                )
        if self.unmodelled_titles:
            lines += ["", "Titles without any model, most listings first:"]
            lines += [f"  {count:>6}  {title}" for title, count in self.unmodelled_titles]
        return "\n".join(lines)

    def write_rows(self, path: Path) -> int:
        """The proposed alias rows as CSV (brand,model,alias), one per entry, to review and append."""
        with Path(path).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["brand", "model", "alias"])
            rows = list(dict.fromkeys(entry.proposed_row for entry in self.entries))
            writer.writerows(rows)
        return len(rows)


def known_aliases(seeds_dir: Path | str = SEEDS_DIR) -> dict[str, list[tuple[str, str]]]:
    """Brand -> [(alias, model)] from model_aliases.csv."""
    aliases: dict[str, list[tuple[str, str]]] = {}
    with (Path(seeds_dir) / "model_aliases.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            aliases.setdefault(row["brand"], []).append((row["alias"], row["model"]))
    return aliases


def closest_aliases(brand: str | None, model: str, aliases: dict[str, list[tuple[str, str]]], limit: int = 3) -> list[AliasMatch]:
    choices = aliases.get(brand or "", [])
    if not choices:
        return []
    found = process.extract(alias_words(model), [alias for alias, _ in choices], scorer=fuzz.token_sort_ratio,
                            limit=limit, score_cutoff=60)
    return [AliasMatch(choices[index][1], alias, round(score, 1)) for alias, score, index in found]


def build_catalogue(settings: RadarSettings, *, marketplace: str | None = None, limit: int = 25,
                    seeds_dir: Path | str = SEEDS_DIR, dialect: str | None = None) -> Catalogue:
    """Read marts.dim_listing (DuckDB or Trino) and rank what the seeds do not cover."""
    where = f"where marketplace = '{_quoted(marketplace)}'" if marketplace else ""
    _, totals = query(settings, f"""
        select
            count(*) as bags,
            count_if(model_source in ('site_alias', 'title_alias')) as seeded,
            count_if(model is null) as unmodelled
        from marts.dim_listing
        {where}
    """, dialect=dialect)
    bags, seeded, unmodelled = (int(value or 0) for value in totals[0])
    and_marketplace = f"and marketplace = '{_quoted(marketplace)}'" if marketplace else ""
    _, rows = query(settings, f"""
        select
            brand,
            model,
            min(model_source) as model_source,
            count(*) as listings,
            count_if(status = 'sold') as sold,
            count(distinct marketplace) as marketplaces,
            min(title) as example_title
        from marts.dim_listing
        where model_source in ('site', 'title_fragment')
            {and_marketplace}
        group by
            brand,
            model
        order by
            listings desc,
            brand,
            model
        limit {int(limit)}
    """, dialect=dialect)
    aliases = known_aliases(seeds_dir)
    entries, covered = [], seeded
    for brand, model, source, listings, sold, marketplaces, example in rows:
        covered += int(listings)
        entries.append(Entry(brand, model, source, int(listings), int(sold), int(marketplaces), example,
                             covered / bags if bags else 0.0, closest_aliases(brand, model, aliases)))
    _, titles = query(settings, f"""
        select
            title,
            count(*) as listings
        from marts.dim_listing
        where model is null
            {and_marketplace}
        group by
            title
        order by
            listings desc,
            title
        limit 10
    """, dialect=dialect)
    return Catalogue(bags, seeded, unmodelled, entries, [(title, int(count)) for title, count in titles])


def _quoted(value: str) -> str:
    return value.replace("'", "''")
