"""Crawl health monitors (Spidermon-style, small): each judges one figure of a finished crawl.

A failed monitor marks the snapshot incomplete, so nothing downstream infers sales from it.
Thresholds are per marketplace (crawlers/marketplaces.yaml, key `monitors`); their defaults are
those of `crawlers.config.Monitors`, the one definition, and the field coverage rules below
apply under every marketplace's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from crawlers.config import Monitors

# Fields every marketplace must fill on nearly every item; a marketplace's own rules add to these
# (or set another share for one of them).
DEFAULT_FIELD_COVERAGE: dict[str, float] = {"listing_id": 1.0, "url": 1.0, "title": 1.0, "price": 1.0, "brand_raw": 0.95}
GOOD_FINISH_REASONS = ("finished",)


@dataclass(frozen=True)
class MonitorResult:
    name: str
    passed: bool
    value: float | int | str | None
    threshold: float | int | str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def merged_thresholds(configured: Monitors | Mapping[str, Any] | None) -> dict[str, Any]:
    """The thresholds a crawl is judged by: the marketplace's `Monitors` (a mapping is validated
    as one; None: the defaults), with DEFAULT_FIELD_COVERAGE under its coverage rules."""
    monitors = configured if isinstance(configured, Monitors) else Monitors.model_validate(dict(configured or {}))
    thresholds = monitors.model_dump()
    thresholds["min_field_coverage"] = {**DEFAULT_FIELD_COVERAGE, **thresholds["min_field_coverage"]}
    return thresholds


class FieldCoverage:
    """Counts, item by item, how often each field is filled (so items need not be kept)."""

    def __init__(self) -> None:
        self.item_count = 0
        self.filled: Counter[str] = Counter()

    def add(self, item: Mapping[str, Any]) -> None:
        self.item_count += 1
        self.filled.update(field for field, value in item.items() if value not in (None, ""))

    def share(self, field: str) -> float:
        return self.filled[field] / self.item_count if self.item_count else 0.0


def run_monitors(
    stats: Mapping[str, Any],
    coverage: FieldCoverage,
    thresholds: Mapping[str, Any],
    finish_reason: str,
    recent_item_counts: Sequence[int] = (),
) -> list[MonitorResult]:
    item_count = coverage.item_count
    results = [
        _at_least("item_count", item_count, thresholds["min_items"]),
        _at_most("error_count", error_count(stats), thresholds["max_error_count"]),
        MonitorResult(
            "finish_reason",
            finish_reason in GOOD_FINISH_REASONS,
            finish_reason,
            "finished",
            f"crawl finished with reason {finish_reason!r}",
        ),
    ]
    dropped = sum(v for k, v in stats.items() if k.startswith("item_dropped_reasons_count/"))
    dropped_ratio = dropped / (item_count + dropped) if item_count + dropped else 0.0
    results.append(_at_most("dropped_ratio", round(dropped_ratio, 4), thresholds["max_dropped_ratio"]))
    for field, minimum in thresholds["min_field_coverage"].items():
        results.append(_at_least(f"field_coverage/{field}", round(coverage.share(field), 4), minimum))
    if recent_item_counts:
        baseline = sorted(recent_item_counts)[len(recent_item_counts) // 2]
        drop = 1 - item_count / baseline if baseline else 0.0
        results.append(_at_most("item_count_drop", round(drop, 4), thresholds["max_item_count_drop"], baseline=baseline))
    return results


def error_count(stats: Mapping[str, Any]) -> int:
    """Errors that mean data may be missing: logged errors and requests that failed for good."""
    return int(stats.get("log_count/ERROR", 0)) + int(stats.get("radar/blocked_count", 0))


def _at_least(name: str, value: float, minimum: float) -> MonitorResult:
    return MonitorResult(name, value >= minimum, value, minimum, f"{name} is {value}, expected at least {minimum}")


def _at_most(name: str, value: float, maximum: float, baseline: int | None = None) -> MonitorResult:
    context = f" (baseline {baseline})" if baseline is not None else ""
    return MonitorResult(name, value <= maximum, value, maximum, f"{name} is {value}{context}, expected at most {maximum}")
