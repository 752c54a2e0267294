"""Item pipelines: validate each listing, then write the day's snapshot to the lake.

The lake writer holds the day's items and publishes once the spider closes, with a manifest
that says whether the snapshot is complete (docs/architecture.md). Settings come through
from_crawler; the lake URL from the RADAR_LAKE_URL setting or environment.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import UTC, date, datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.completeness import mark_incomplete
from crawlers.monitors import FieldCoverage, merged_thresholds, run_monitors
from radar.lake import (
    MOVEMENT_FIELDS,
    Lake,
    LakeError,
    StagedPartition,
    count_problem,
    listing_value_problem,
    listings_to_table,
    publish_staged,
)
from radar.settings import get_settings

log = logging.getLogger(__name__)

# A walk that met no shift and refetched nothing says 0; expected_count_after and the
# confirmation counts stay None unless the spider ran that step.
_MOVEMENT_DEFAULTS = {"shifts_detected": 0, "pages_refetched": 0}

REQUIRED_FIELDS = ("marketplace", "listing_id", "snapshot_date", "url", "title", "price", "currency")
COVERAGE_FIELDS = (
    "brand_raw", "model_raw", "size_raw", "color_raw", "material_raw", "condition_raw",
    "compare_at_price", "published_at", "estimated_retail_price",
)


DROPPED_PREFIX = "radar/dropped/"


class ValidateListingPipeline:
    """Drops items that would poison the lake, each with a named reason counted in the stats
    (`radar/dropped/<reason>`; the manifest's `dropped_items`): a required field missing, a value
    the raw schema cannot hold (`price_out_of_range`, `price_unparsable`, `published_at_out_of_range`,
    `title_too_long`, ...: radar.lake.listing_value_problem), a bad currency, a duplicate.

    A listing the site shows at price 0 (real sites do) is kept: it is on sale, so dropping it
    would make it look absent, and an absence can become an inferred sale. The SQL sets such a
    row aside as a rejected row that still counts as a sighting (docs/market-model.md). For the
    same reason, dropping a listing that the last snapshots showed for sale marks the day
    incomplete: its absence from a complete day would read as a sale.
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidateListingPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider) -> None:
        self.seen_ids: set[str] = set()
        self.on_sale_before: set[str] | None = None  # read from the lake at the first bad value

    def process_item(self, item: Any, spider: Spider) -> Any:
        adapter = ItemAdapter(item)
        reason = self.problem(adapter)
        if reason:
            self.drop(reason, adapter.get("listing_id"), spider)
        self.seen_ids.add(adapter["listing_id"])
        return item

    def problem(self, adapter: ItemAdapter) -> str | None:
        for field in REQUIRED_FIELDS:
            if adapter.get(field) in (None, ""):
                return f"missing_{field}"
        reason = listing_value_problem(adapter)
        if reason:
            return reason
        if len(adapter["currency"]) != 3:
            return "bad_currency"
        if adapter["listing_id"] in self.seen_ids:
            return "duplicate_listing"  # the same product reached through two shards
        return None

    def drop(self, reason: str, listing_id: Any, spider: Spider) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(DROPPED_PREFIX + reason, start=0)
            if reason != "duplicate_listing" and isinstance(listing_id, str) and listing_id in self.listed_before(spider):
                mark_incomplete(self.crawler, f"listing {listing_id[:80]} dropped ({reason}) was for sale in the last "
                                              "snapshot: its absence would read as a sale")
        raise DropItem(reason)

    def listed_before(self, spider: Spider) -> set[str]:
        """Ids shown for sale since the last complete snapshot (what a crawl must account for)."""
        if self.on_sale_before is None:
            self.on_sale_before = set()
            configured = self.crawler.settings.get("RADAR_LAKE_URL") if self.crawler is not None else None
            lake_url = configured or get_settings().lake_url
            try:
                last = Lake.from_url(lake_url).listings_to_confirm(spider.name, _snapshot_date(spider))
            except Exception as error:  # noqa: BLE001 - unknown: the drop may hide a listing for sale
                mark_incomplete(self.crawler, f"listings dropped for bad values, and the last snapshot could not "
                                              f"be read to check them: {type(error).__name__}")
                return self.on_sale_before
            self.on_sale_before = set(last.handles) if last else set()
        return self.on_sale_before


class LakeWriterPipeline:
    """Writes items aside in batches as they come; publishes the day once the spider closes."""

    def __init__(self, crawler: Crawler, lake_url: str, batch_size: int) -> None:
        self.crawler = crawler
        self.lake_url = lake_url
        self.batch_size = batch_size
        self.batch: list[dict[str, Any]] = []
        self.coverage = FieldCoverage()
        self.staged: StagedPartition | None = None
        self.write_error: str | None = None
        self.started_at = datetime.now(UTC)
        self.started_monotonic = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LakeWriterPipeline:
        lake_url = crawler.settings.get("RADAR_LAKE_URL") or get_settings().lake_url
        pipeline = cls(crawler, lake_url, crawler.settings.getint("RADAR_LAKE_BATCH_SIZE", 5000))
        # Publish on spider_closed (not close_spider) because only the signal carries the finish reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any, spider: Spider) -> Any:
        is_instance = dataclasses.is_dataclass(item) and not isinstance(item, type)
        record = dataclasses.asdict(item) if is_instance else dict(ItemAdapter(item))
        record["scraped_at"] = record.get("scraped_at") or datetime.now(UTC)
        self.coverage.add(record)
        self.batch.append(record)
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.batch or self.write_error:
            return
        try:
            if self.staged is None:
                self.staged = StagedPartition(Lake.from_url(self.lake_url))
            self.staged.write(listings_to_table(self.batch))
        except Exception as error:  # noqa: BLE001 - any failure: keep crawling, never publish a partial file
            self.write_error = f"{type(error).__name__}: {error}" if not isinstance(error, LakeError) else str(error)
        self.batch = []

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        snapshot_date = _snapshot_date(spider)
        self.flush()
        try:
            if self.write_error:
                raise LakeError(self.write_error)
            lake = Lake.from_url(self.lake_url)
            staged = self.staged or StagedPartition(lake)
            manifest = self.build_manifest(spider, reason, lake, snapshot_date)
            result = publish_staged(staged, spider.name, snapshot_date, manifest)
        except Exception as error:  # noqa: BLE001 - whatever it was, the flow must read it
            # scrapy exits 0 anyway: the flow reads this stat (via the crawl report) and fails the task.
            written = str(error) if isinstance(error, LakeError) else f"{type(error).__name__}: {error}"
            stats.set_value("radar/write_error", written)
            log.error("lake write failed for %s %s: %s", spider.name, snapshot_date, error)
            return
        stats.set_value("radar/manifest", manifest)
        stats.set_value("radar/published", result.published)
        stats.set_value("radar/partition", result.path)
        log.info("%s %s: %s (%d items, complete=%s)", spider.name, snapshot_date, result.reason,
                 self.coverage.item_count, manifest["complete"])

    def build_manifest(self, spider: Spider, reason: str, lake: Lake, snapshot_date: date) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats()
        thresholds = merged_thresholds(_configured_monitors(spider))
        recent_counts = [
            m["item_count"] for m in lake.previous_manifests(spider.name, snapshot_date) if m.get("complete")
        ]
        monitors = run_monitors(stats, self.coverage, thresholds, reason, recent_counts)
        incomplete_reasons = list(stats.get("radar/incomplete_reasons", []))
        incomplete_reasons += [f"monitor failed: {m.message}" for m in monitors if not m.passed]
        counts = {
            "item_count": self.coverage.item_count,
            "expected_count": stats.get("radar/expected_count"),
            # How the site moved during the walk and what confirming the disappearances found
            # (docs/architecture.md); None when the spider does not record one (e.g. no recount).
            **{name: stats.get(f"radar/{name}", _MOVEMENT_DEFAULTS.get(name)) for name in MOVEMENT_FIELDS},
        }
        for name, value in counts.items():
            problem = count_problem(value)
            if problem:  # e.g. a site's products_count beyond int64: not stored, the day not trusted
                incomplete_reasons.append(f"{name} {str(value)[:40]} {problem}: not a count the lake can store")
                counts[name] = None
        return {
            "marketplace": spider.name,
            "snapshot_date": snapshot_date.isoformat(),
            **counts,
            "complete": not incomplete_reasons,
            "incomplete_reasons": incomplete_reasons,
            "finish_reason": reason,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(UTC).isoformat(),
            "duration_seconds": round(time.monotonic() - self.started_monotonic, 3),
            "dropped_items": _dropped_items(stats),
            "skipped_items": _prefixed(stats, "radar/skipped/"),
            "request_errors": {
                **_prefixed(stats, "downloader/exception_type_count/"),
                **{f"http_{k}": v for k, v in _prefixed(stats, "downloader/response_status_count/").items()
                   if not k.startswith(("2", "3"))},
            },
            "blocked_count": stats.get("radar/blocked_count", 0),
            "field_coverage": {field: round(self.coverage.share(field), 4) for field in COVERAGE_FIELDS},
            "monitors": [m.as_dict() for m in monitors],
        }


def _configured_monitors(spider: Spider) -> dict[str, Any]:
    from crawlers.config import ConfigError, get_marketplace

    try:
        return get_marketplace(spider.name, settings=spider.settings).monitors.model_dump()
    except (ConfigError, KeyError):
        return {}  # a spider without a config entry (tests) is judged by the defaults


def _snapshot_date(spider: Spider) -> date:
    value = getattr(spider, "snapshot_date", None)
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)) if value else datetime.now(UTC).date()


def _dropped_items(stats: dict[str, Any]) -> dict[str, int]:
    """Dropped items per named reason; drops no reason was counted for (Scrapy counts every
    DropItem under its class name) show as `unnamed`."""
    named = _prefixed(stats, DROPPED_PREFIX)
    unnamed = sum(_prefixed(stats, "item_dropped_reasons_count/").values()) - sum(named.values())
    return {**named, "unnamed": unnamed} if unnamed > 0 else named


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key.removeprefix(prefix): value for key, value in stats.items() if key.startswith(prefix)}
