"""Browser availability and a subprocess crawl runner for the scrapy-playwright tests.

Import what you need (`from tests.conftest_browser import require_browser, run_crawl`).
`require_browser()` skips locally with the reason when Chromium is missing, and FAILS when
CI=true: CI installs Chromium, so a missing browser there is a broken CI, not a skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from crawlers.browser import browser_problem

REPO = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_browser() -> None:
    problem = browser_problem()
    if problem is None:
        return
    if in_ci():
        pytest.fail(f"Chromium is required in CI (CI=true): {problem}", pytrace=False)
    pytest.skip(f"Chromium not available locally: {problem}")


@pytest.fixture
def chromium() -> None:
    """Use in browser tests: skip locally / fail in CI when Chromium is missing."""
    require_browser()


_DRIVER = textwrap.dedent(
    """
    import json, sys
    from itemadapter import ItemAdapter
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.misc import load_object
    from scrapy.utils.project import get_project_settings

    spec = json.loads(sys.argv[1])
    settings = get_project_settings()  # scrapy.cfg -> crawlers/settings.py
    settings.setdict(spec["settings"], priority="cmdline")  # like `-s` on the command line
    process = CrawlerProcess(settings=settings, install_root_handler=True)
    crawler = process.create_crawler(load_object(spec["spider"]))
    items = []

    def collect(item, **kwargs):
        items.append(ItemAdapter(item).asdict())

    crawler.signals.connect(collect, signal=signals.item_scraped)  # weak ref: keep `collect` alive
    process.crawl(crawler, **spec["args"])
    process.start()
    with open(spec["out"], "w") as fh:
        json.dump({"items": items, "stats": crawler.stats.get_stats()}, fh, default=str)
    """
)

# Sandbox runs: no politeness delays on 127.0.0.1, no lake writes (the lake has its own tests).
DEFAULT_TEST_SETTINGS: dict[str, Any] = {
    "LOG_LEVEL": "INFO",
    "ROBOTSTXT_OBEY": True,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_TIMES": 1,
    "RADAR_RETRY_AFTER_DEFAULT": 0.1,
    "TELNETCONSOLE_ENABLED": False,
    "ITEM_PIPELINES": {"crawlers.pipelines.ValidateListingPipeline": 100},
}


def run_crawl(tmp_path: Path, spider: str, args: dict[str, str], settings: dict[str, Any] | None = None,
              timeout: float = 300) -> tuple[list[dict[str, Any]], dict[str, Any], str]:
    """Run one crawl in a fresh interpreter (Twisted's reactor cannot restart in-process).

    Returns (items as dicts, final stats, the crawl's log).
    """
    out = tmp_path / f"crawl-{len(list(tmp_path.glob('crawl-*.json')))}.json"
    spec = {"spider": spider, "args": args, "out": str(out),
            "settings": {**DEFAULT_TEST_SETTINGS, "RADAR_LAKE_URL": str(tmp_path / "lake"), **(settings or {})}}
    proc = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(spec)], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": str(REPO)})
    if proc.returncode != 0 or not out.exists():
        raise AssertionError(f"crawl failed (rc={proc.returncode}):\n{proc.stderr[-6000:]}")
    data = json.loads(out.read_text())
    return data["items"], data["stats"], proc.stderr
