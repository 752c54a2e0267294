"""The sandbox's ground truth, read with pyarrow: its bags as of the last simulated day, their
times on sale, and the next-day events a moving sandbox served early (sandbox/truth.py writes them)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

TruthRow = dict[str, Any]
ListingId = tuple[str, str]  # (marketplace, listing_id)
Episode = tuple[date, date | None]  # (start, end): a time on sale, open while still on sale


def load_truth(truth_dir: Path) -> dict[ListingId, TruthRow]:
    """The sandbox's bags by (marketplace, listing_id), as of its last simulated day."""
    rows = pq.read_table(Path(truth_dir) / "listings.parquet").to_pylist()
    return {(r["marketplace"], r["listing_id"]): r for r in rows if r["is_bag"]}


def load_episodes(truth_dir: Path, truth: dict[ListingId, TruthRow]) -> dict[ListingId, list[Episode]]:
    """The truth's times on sale of its bags: (marketplace, listing_id) -> [(start, end | None)], in order."""
    episodes: dict[ListingId, list[Episode]] = {}
    table = pq.read_table(Path(truth_dir) / "episodes.parquet", columns=["marketplace", "listing_id", "episode_no",
                                                                           "start_date", "end_date"])
    for row in sorted(table.to_pylist(), key=lambda r: r["episode_no"]):
        key = (row["marketplace"], row["listing_id"])
        if key in truth:
            episodes.setdefault(key, []).append((row["start_date"], row["end_date"]))
    return episodes


def load_served_early(truth_dir: Path) -> dict[str, int] | None:
    """Next-day events a moving sandbox served during each marketplace's crawls (None: a still market)."""
    path = Path(truth_dir) / "served_early.parquet"
    if not path.exists():
        return None
    return dict(Counter(pq.read_table(path, columns=["marketplace"]).column("marketplace").to_pylist()))


def true_sale(row: TruthRow | None) -> date | None:
    """The day the truth's bag was sold; None when it was not (or is not a bag of the truth)."""
    if row and row["end_reason"] == "sold":
        return row["sale_date"]
    return None
