"""Watchlists: a buyer's rules ("a Chanel Classic Flap Medium in excellent condition under $9,000",
"any Birkin 15% below the guide"), matched against the day's new listings and price drops from
the marts, posted to Slack once per listing and change (docs/buyer-tools.md, "Watchlists").

Rules come from a YAML file (the daily flow's `watchlist_path` parameter) or, without one, from
the Prefect Variable `radar-watchlists` holding the same YAML. A bad rule is a WatchlistError
naming the rule and the field. What was posted is recorded in the lake
(`watchlists/posted/snapshot_date=<day>.json`), so a rerun of the day posts nothing new.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from radar.lake import Lake, _put_atomically, _read_bytes
from radar.text import alias_words

log = logging.getLogger(__name__)

WATCHLIST_VARIABLE = "radar-watchlists"
POSTED_DIR = "watchlists/posted"
CONDITIONS = ("NEW", "EXCELLENT", "VERY_GOOD", "GOOD", "FAIR")


class WatchlistError(ValueError):
    """The watchlist cannot be used: unreadable YAML, or a rule that is not valid (named in the message)."""


class Rule(BaseModel):
    """One watchlist rule. Text fields match the marts' canonical values, ignoring case and accents;
    a field left out matches anything. At least one of max_price_usd and below_guide_pct."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    brand: str | None = None
    model: str | None = None
    size: str | None = None
    condition: list[str] | None = None  # one grade or a list: new, excellent, very_good, good, fair
    color: str | None = None
    max_price_usd: Decimal | None = Field(default=None, gt=0)
    below_guide_pct: float | None = Field(default=None, gt=0, lt=100)
    changes: list[Literal["new", "price_drop"]] = ["new", "price_drop"]

    @field_validator("condition", mode="before")
    @classmethod
    def _conditions(cls, value: Any) -> Any:
        if value is None:
            return None
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values:
            raise ValueError("condition must be a grade or a list of grades")
        grades = [str(v).strip().upper().replace(" ", "_").replace("-", "_") for v in values]
        unknown = [v for v, g in zip(values, grades) if g not in CONDITIONS]
        if unknown:
            raise ValueError(f"unknown condition {unknown[0]!r}: one of {', '.join(c.lower() for c in CONDITIONS)}")
        return grades

    @model_validator(mode="after")
    def _says_what_and_how_much(self) -> Rule:
        if not (self.brand or self.model):
            raise ValueError("a rule needs a brand or a model")
        if self.max_price_usd is None and self.below_guide_pct is None:
            raise ValueError("a rule needs max_price_usd or below_guide_pct (or both)")
        return self

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether the day's change (a row of CHANGES_SQL) is one this rule asks for."""
        if row["change"] not in self.changes:
            return False
        for wanted, value in ((self.brand, row["brand"]), (self.model, row["model"]), (self.size, row["size"]),
                              (self.color, row["color"])):
            if wanted is not None and alias_words(wanted) != alias_words(value):
                return False
        if self.condition is not None and row["condition"] not in self.condition:
            return False
        price = Decimal(str(row["price_usd"]))
        if self.max_price_usd is not None and price > self.max_price_usd:
            return False
        if self.below_guide_pct is not None:
            guide = row["guide_price_usd"]
            if guide is None or price > Decimal(str(guide)) * Decimal(str(1 - self.below_guide_pct / 100)):
                return False
        return True


class Watchlist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Watchlist:
        names = [r.name for r in self.rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique: {', '.join(repeated)}")
        return self


def parse_watchlist(text: str, source: str) -> Watchlist:
    """The rules of a YAML text; a WatchlistError names the source, the rule and the field."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise WatchlistError(f"watchlist {source}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise WatchlistError(f"watchlist {source}: expected a mapping with a 'rules:' list")
    try:
        return Watchlist.model_validate(data)
    except ValidationError as error:
        problems = []
        for e in error.errors():
            where = list(e["loc"])
            if len(where) >= 2 and where[0] == "rules" and isinstance(where[1], int):
                rules = data.get("rules") or []
                rule = rules[where[1]] if where[1] < len(rules) else {}
                name = rule.get("name") if isinstance(rule, dict) else None
                label = f"rule {where[1] + 1}" + (f" ({name!r})" if name else "")
                field = ".".join(str(p) for p in where[2:])
                where_text = f"{label}, {field}" if field else label
            else:
                where_text = ".".join(str(p) for p in where) or "the file"
            problems.append(f"{where_text}: {e['msg']}")
        raise WatchlistError(f"watchlist {source}: " + "; ".join(problems)) from None


def load_watchlist(path: str | Path | None = None) -> Watchlist | None:
    """The rules of `path`, else of the Prefect Variable radar-watchlists; None when there are none."""
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise WatchlistError(f"watchlist {path}: cannot be read ({type(error).__name__})") from None
        return parse_watchlist(text, str(path))
    stored = _variable_text()
    return parse_watchlist(stored, f"Prefect Variable {WATCHLIST_VARIABLE}") if stored else None


def _variable_text() -> str | None:
    try:
        from prefect.variables import Variable

        value = Variable.get(WATCHLIST_VARIABLE, default=None)
    except Exception as error:  # noqa: BLE001 - no Prefect server: no rules from it (the file parameter still works)
        log.warning("Prefect Variable %s not read: %s", WATCHLIST_VARIABLE, type(error).__name__)
        return None
    if value is None:
        return None
    return value if isinstance(value, str) else yaml.safe_dump(value)


# ----------------------------------------------------------------------- the day's changes

CHANGES_SQL = """
with

new_listings as (
    select
        'new' as change,
        listing_key,
        brand,
        model,
        size,
        condition,
        color,
        price_usd,
        cast(null as decimal(14, 2)) as old_price_usd
    from marts.fct_listing_daily
    where snapshot_date = date '{day}'
        and is_available
        and is_first_sighting
),

price_drops as (
    select
        'price_drop' as change,
        listing_key,
        brand,
        model,
        size,
        condition,
        color,
        new_price_usd as price_usd,
        old_price_usd
    from marts.fct_price_changes
    where change_date = date '{day}'
        and is_markdown
),

changes as (
    select * from new_listings
    union all
    select * from price_drops
),

final as (
    select
        changes.*,
        listings.marketplace,
        listings.url,
        listings.title,
        guide.median_sale_price_usd as guide_price_usd,
        guide.median_days_to_sell as expected_days_to_sell,
        guide.confidence as guide_confidence
    from changes
    inner join marts.dim_listing as listings
        on changes.listing_key = listings.listing_key
    left join marts.model_price_guide as guide
        on listings.model_key = guide.model_key
        and coalesce(changes.size, 'Unknown') = guide.size
        and coalesce(changes.condition, 'UNKNOWN') = guide.condition
        and guide.grain = 'model_size_condition'
)

select * from final
order by listing_key, change
"""


@dataclass(frozen=True)
class Match:
    row: dict[str, Any]
    rules: tuple[str, ...]

    @property
    def key(self) -> str:
        """One post per listing and change: the listing, what changed, and the price it changed to."""
        return f"{self.row['listing_key']}|{self.row['change']}|{Decimal(str(self.row['price_usd'])):.2f}"


def match_changes(watchlist: Watchlist, changes: list[dict[str, Any]]) -> list[Match]:
    found = []
    for row in changes:
        rules = tuple(rule.name for rule in watchlist.rules if rule.matches(row))
        if rules:
            found.append(Match(row, rules))
    return found


def watchlist_message(day: date, match: Match) -> tuple[str, dict[str, Any]]:
    row = match.row
    what = " ".join(str(p) for p in (row["brand"], row["model"], row["size"], row["condition"], row["color"]) if p)
    change = ("new listing" if row["change"] == "new"
              else f"price drop from ${float(row['old_price_usd']):,.0f}" if row["old_price_usd"] is not None else "price drop")
    guide = "-" if row["guide_price_usd"] is None else f"${float(row['guide_price_usd']):,.0f} ({row['guide_confidence']})"
    days = "-" if row["expected_days_to_sell"] is None else f"{row['expected_days_to_sell']} days"
    text = (f":mag: Watchlist {', '.join(match.rules)}: {change} on {row['marketplace']}, {what} "
            f"at ${float(row['price_usd']):,.0f} (guide {guide})")
    return text, {"link": row["url"], "price": f"${float(row['price_usd']):,.0f}", "guide price": guide,
                  "expected days to sell": days, "date": day.isoformat(), "listing": row["listing_key"]}


# ------------------------------------------------------------------- what was posted (lake)


def posted_path(lake: Lake, day: date) -> str:
    return lake.path(POSTED_DIR, f"snapshot_date={day.isoformat()}.json")


def read_posted(lake: Lake, day: date) -> set[str]:
    data = _read_bytes(lake, posted_path(lake, day))
    return set(json.loads(data)["posted"]) if data else set()


def write_posted(lake: Lake, day: date, keys: set[str]) -> None:
    path = posted_path(lake, day)
    if not lake.is_s3:
        lake.filesystem.create_dir(path.rsplit("/", 1)[0], recursive=True)
    _put_atomically(lake, path, json.dumps({"snapshot_date": day.isoformat(), "posted": sorted(keys)}, indent=1).encode())


@dataclass
class WatchlistRun:
    matched: int
    posted: int
    already_posted: int
    not_delivered: int


def post_watchlist_matches(day: date, watchlist: Watchlist, changes: list[dict[str, Any]], lake: Lake,
                           post: Any, max_posts: int = 100) -> WatchlistRun:
    """Post each match not posted before for this day (at most max_posts; the rest go on the next run),
    recording each delivered post in the lake right after it went out."""
    matches = match_changes(watchlist, changes)
    posted = read_posted(lake, day)
    fresh = [m for m in matches if m.key not in posted]
    delivered = failed = 0
    for match in fresh[:max_posts]:
        if post(*watchlist_message(day, match)):
            posted.add(match.key)
            write_posted(lake, day, posted)
            delivered += 1
        else:
            failed += 1  # not recorded: the next run tries again
    if len(fresh) > max_posts:
        log.warning("watchlists: %d more matches on %s than max_posts=%d; they post on the next run",
                    len(fresh) - max_posts, day, max_posts)
    return WatchlistRun(len(matches), delivered, len(matches) - len(fresh), failed)
