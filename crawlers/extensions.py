"""CrawlReport: the crawl's final stats as a JSON file, because `scrapy crawl` exits 0 even
when every request failed or the lake write failed. The flow judges the crawl by this file.
"""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class CrawlReport:
    def __init__(self, crawler: Crawler, report_path: Path) -> None:
        self.crawler = crawler
        self.report_path = report_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        path = crawler.settings.get("RADAR_REPORT_PATH")
        if not path:
            raise NotConfigured("RADAR_REPORT_PATH not set")
        extension = cls(crawler, Path(path))
        # engine_stopped comes after spider_closed, so the lake writer's outcome is in the stats.
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        self.report_path.parent.mkdir(parents=True, exist_ok=True)
        stats = self.crawler.stats.get_stats()
        self.report_path.write_text(json.dumps(stats, indent=2, sort_keys=True, default=str))
