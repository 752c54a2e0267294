"""Item pipelines: validate each listing, then write the day's snapshot to the lake.

The lake writer holds the day's items and publishes once the spider closes, with a manifest
that says whether the snapshot is complete (docs/architecture.md). Settings come through
from_crawler; the lake URL from the RADAR_LAKE_URL setting or environment.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.monitors import FieldCoverage, merged_thresholds, run_monitors
from radar.lake import MOVEMENT_FIELDS, Lake, LakeError, StagedPartition, listings_to_table, publish_staged
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


class ValidateListingPipeline:
    """Drops items that would poison the lake, with a reason Scrapy counts per kind.

    A listing the site shows at price 0 (real sites do) is kept: it is on sale, so dropping it
    would make it look absent, and an absence can become an inferred sale. The SQL sets such a
    row aside as a rejected row that still counts as a sighting (docs/market-model.md).
    """

    def open_spider(self, spider: Spider) -> None:
        self.seen_ids: set[str] = set()

    def process_item(self, item: Any, spider: Spider) -> Any:
        adapter = ItemAdapter(item)
        for field in REQUIRED_FIELDS:
            if adapter.get(field) in (None, ""):
                raise DropItem(f"missing_{field}")
        try:
            price = Decimal(str(adapter["price"]))
        except InvalidOperation:
            raise DropItem("unparseable_price") from None
        if not price.is_finite():
            raise DropItem("unparseable_price")
        if len(str(adapter["currency"])) != 3:
            raise DropItem("bad_currency")
        if adapter["listing_id"] in self.seen_ids:
            raise DropItem("duplicate_listing")  # the same product reached through two shards
        self.seen_ids.add(adapter["listing_id"])
        return item


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
        self.started_at = datetime.now(timezone.utc)
        self.started_monotonic = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "LakeWriterPipeline":
        lake_url = crawler.settings.get("RADAR_LAKE_URL") or get_settings().lake_url
        pipeline = cls(crawler, lake_url, crawler.settings.getint("RADAR_LAKE_BATCH_SIZE", 5000))
        # Publish on spider_closed (not close_spider) because only the signal carries the finish reason.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any, spider: Spider) -> Any:
        record = dataclasses.asdict(item) if dataclasses.is_dataclass(item) else dict(ItemAdapter(item))
        record["scraped_at"] = record.get("scraped_at") or datetime.now(timezone.utc)
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
        except (LakeError, OSError, ValueError) as error:
            # Keep crawling (the stats tell the whole story) but never publish a partial file.
            self.write_error = str(error)
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
        except (LakeError, OSError, ValueError) as error:
            # scrapy exits 0 anyway: the flow reads this stat (via the crawl report) and fails the task.
            stats.set_value("radar/write_error", str(error))
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
        return {
            "marketplace": spider.name,
            "snapshot_date": snapshot_date.isoformat(),
            "item_count": self.coverage.item_count,
            "expected_count": stats.get("radar/expected_count"),
            "complete": not incomplete_reasons,
            "incomplete_reasons": incomplete_reasons,
            "finish_reason": reason,
            "started_at": self.started_at.isoformat(),
            "finished_at": datetime.now(timezone.utc).isoformat(),
            "duration_seconds": round(time.monotonic() - self.started_monotonic, 3),
            "dropped_items": _prefixed(stats, "item_dropped_reasons_count/"),
            "skipped_items": _prefixed(stats, "radar/skipped/"),
            "request_errors": {
                **_prefixed(stats, "downloader/exception_type_count/"),
                **{f"http_{k}": v for k, v in _prefixed(stats, "downloader/response_status_count/").items() if not k.startswith(("2", "3"))},
            },
            "blocked_count": stats.get("radar/blocked_count", 0),
            # How the site moved during the walk and what confirming the disappearances found
            # (docs/architecture.md); None when the spider does not record one (e.g. no recount).
            **{name: stats.get(f"radar/{name}", _MOVEMENT_DEFAULTS.get(name)) for name in MOVEMENT_FIELDS},
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
    return date.fromisoformat(str(value)) if value else datetime.now(timezone.utc).date()


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key.removeprefix(prefix): value for key, value in stats.items() if key.startswith(prefix)}
