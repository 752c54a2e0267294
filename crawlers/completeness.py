"""Completeness bookkeeping shared by every spider (stats keys: docs/architecture.md).

A snapshot is complete unless something appended a reason to `radar/incomplete_reasons`.
Spiders call these helpers; the lake writer copies the stats into the manifest.
"""

from __future__ import annotations

from typing import Any

INCOMPLETE_REASONS = "radar/incomplete_reasons"
EXPECTED_COUNT = "radar/expected_count"
BLOCKED_COUNT = "radar/blocked_count"
SKIPPED_PREFIX = "radar/skipped/"


def mark_incomplete(crawler: Any, reason: str) -> None:
    """Record why this crawl cannot be trusted as a full snapshot (never raises)."""
    stats = crawler.stats
    reasons = list(stats.get_value(INCOMPLETE_REASONS) or [])
    reasons.append(reason)
    stats.set_value(INCOMPLETE_REASONS, reasons)


def incomplete_reasons(crawler: Any) -> list[str]:
    return list(crawler.stats.get_value(INCOMPLETE_REASONS) or [])


def add_expected_count(crawler: Any, count: int) -> None:
    crawler.stats.inc_value(EXPECTED_COUNT, int(count), start=0)


def count_blocked(crawler: Any, count: int = 1) -> None:
    crawler.stats.inc_value(BLOCKED_COUNT, count, start=0)


def count_skipped(crawler: Any, reason: str, count: int = 1) -> None:
    crawler.stats.inc_value(f"{SKIPPED_PREFIX}{reason}", count, start=0)
