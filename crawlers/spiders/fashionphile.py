"""Fashionphile: listing grids rendered client-side, crawled with scrapy-playwright.

    scrapy crawl fashionphile -a base_url=https://www.fashionphile.com -a snapshot_date=2026-09-03

Arguments (validated by MarketplaceSpider; targets and politeness from crawlers/marketplaces.yaml):
- base_url      site root (default: the config's base_url)
- snapshot_date YYYY-MM-DD (default: today, UTC)
- collections   comma-separated listing collections (default: the config's `collections`, else
                "handbags", which lists bags only: accessories never reach the spider)
- render        "1" (default) renders listing pages in Chromium; "0" fetches them with plain
                HTTP, which sees no products and is reported as incomplete (diagnostics/tests)
- enrich        "new" (default), "1" or "0": fetch /products/<handle>.json with plain HTTP (no
                browser) for published_at, variant id, product type. "new" does it only for
                listings the lake has not seen with a published date in the last 30 days, so
                the daily cost follows the day's new listings; the cards already carry price,
                pre-markdown price, condition and the sold badge.
- max_render_attempts  how often a listing page is rendered before it counts as missing (3)

Setting RADAR_RENDER_TIMEOUT_MS (default 20000): how long a page may take to show its grid.

Completeness: page 1 gives the result total (`.ais-Stats`) and the last page
(`.ais-Pagination-item--lastPage`); every page 2..last is requested. The crawl is marked
incomplete when a page could not be rendered, a challenge page was served ("blocked"), the
page never rendered (no browser), or fewer distinct listings were collected than the total.
Sold-out cards become items with available=False (observed sales).

Disappearances (MarketplaceSpider, at the end of the walk): each listing of the last complete
snapshot that no card showed today gets one plain-HTTP request to its product page
`/products/<handle>` (no browser): a page with the listing -> an item (marked recovered, or
available=False under the sold badge), 404 or a redirect -> confirmed absent, anything else ->
failed (the day is then incomplete).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy_playwright.page import PageMethod

from crawlers import browser
from crawlers.completeness import add_expected_count, count_blocked, mark_incomplete
from crawlers.middlewares import BlockedError
from crawlers.parsers import fashionphile as fp
from crawlers.spiders.shopify import CONFIRMATION_GONE_STATUSES, MarketplaceSpider

# A grid's last page may exceed what its result count needs at page 1's size by this much (churn).
SPARE_GRID_PAGES = 2
# Without a result count, the most grid pages one collection walk believes (about 100,000 bags).
MAX_GRID_PAGES = 2000

DEFAULT_COLLECTIONS = ("handbags",)
RENDER_TIMEOUT_MS = 20_000
MAX_RENDER_ATTEMPTS = 3

# Waits until the grid shows a card, an explicit empty result or an explicit search error; a
# page without the search app (challenge page, error page) returns at once instead of timing out.
_WAIT_FOR_GRID_JS = f"""() => !document.querySelector({fp.APP_SELECTOR!r})
    || !!document.querySelector({fp.READY_SELECTOR!r})"""


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _ids_with_published_date(crawler: Any, marketplace: str, snapshot_date: Any) -> set[str]:
    from radar.lake import Lake
    from radar.settings import get_settings

    lake = Lake.from_url(crawler.settings.get("RADAR_LAKE_URL") or get_settings().lake_url)
    return lake.listing_ids_seen(marketplace, snapshot_date, having="published_at")


class FashionphileSpider(MarketplaceSpider):
    name = "fashionphile"
    # A blocked/challenge page reaches the callback when no BlockedResponseMiddleware runs
    # (it is then counted here); with the middleware it arrives in the errback as BlockedError.
    handle_httpstatus_list = [401, 403]

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)  # politeness from crawlers/marketplaces.yaml
        # Browser settings live on this spider only: other spiders never start Chromium.
        # Computed here (not at import) so RADAR_BROWSER_PATH is read when the crawl starts.
        concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 1) or 1
        for key, value in browser.playwright_settings(concurrency=concurrency).items():
            if (settings.getpriority(key) or 0) >= SETTINGS_PRIORITIES["cmdline"]:
                continue  # `-s PLAYWRIGHT_...=` on the command line wins
            settings.set(key, value, priority="spider")

    def __init__(self, *args: Any, collections: str | None = None, render: str | None = None,
                 enrich: str | None = None, max_render_attempts: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # base_url, snapshot_date
        self._collections_arg = collections
        self.collections: list[str] = []
        self.render = _flag(render, True)
        self.enrich_mode = (enrich or "new").strip().lower()
        self.enrich = self.enrich_mode != "new" and _flag(enrich, False)
        self.known_ids: set[str] = set()  # listings whose published date the lake already holds
        self.max_render_attempts = int(max_render_attempts or MAX_RENDER_ATTEMPTS)
        self.render_timeout_ms = RENDER_TIMEOUT_MS  # setting RADAR_RENDER_TIMEOUT_MS
        # per collection bookkeeping for the completeness check
        self.expected: dict[str, int | None] = {}
        self.last_pages: dict[str, int | None] = {}
        self.pages_done: dict[str, set[int]] = {}
        self.pages_failed: dict[str, set[int]] = {}
        self.seen_ids: dict[str, set[str]] = {}
        self.counts_after: dict[str, int] = {}  # the search's total on the last page answered
        self.yielded_ids: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> FashionphileSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)  # sets market and base_url
        spider.base_url = spider.base_url.rstrip("/")
        spider.render_timeout_ms = crawler.settings.getint("RADAR_RENDER_TIMEOUT_MS", RENDER_TIMEOUT_MS)
        configured = ",".join(spider.market.collections) if spider.market and spider.market.collections else ""
        names = spider._collections_arg or configured or ",".join(DEFAULT_COLLECTIONS)
        spider.collections = [c.strip() for c in names.split(",") if c.strip()]
        if spider.enrich_mode == "new":
            spider.known_ids = _ids_with_published_date(crawler, spider.name, spider.snapshot_date)
        for collection in spider.collections:
            spider.pages_done[collection] = set()
            spider.pages_failed[collection] = set()
            spider.seen_ids[collection] = set()
        return spider

    # -- requests --------------------------------------------------------------------------
    def listing_url(self, collection: str, page: int) -> str:
        query = f"?{urlencode({'page': page})}" if page > 1 else ""
        return f"{self.base_url}/collections/{collection}{query}"

    def listing_request(self, collection: str, page: int, attempt: int = 1) -> scrapy.Request:
        meta: dict[str, Any] = {"collection": collection, "page": page, "attempt": attempt}
        if self.render:
            meta.update(
                playwright=True,
                playwright_context_kwargs=browser.CONTEXT_KWARGS,
                playwright_page_goto_kwargs={"wait_until": "domcontentloaded"},
                playwright_page_methods=[
                    PageMethod("wait_for_function", _WAIT_FOR_GRID_JS, timeout=self.render_timeout_ms),
                ],
            )
        return scrapy.Request(
            self.listing_url(collection, page), callback=self.parse_listing, errback=self.listing_failed,
            meta=meta, dont_filter=attempt > 1,
        )

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for collection in self.collections:
            yield self.listing_request(collection, 1)

    # -- callbacks -------------------------------------------------------------------------
    def parse_listing(self, response: Response) -> Iterator[Any]:
        collection, page = response.meta["collection"], response.meta["page"]
        result = fp.parse_listing_page(response, base_url=self.base_url, snapshot_date=self.snapshot_date,
                                       collection=collection, status=response.status)
        self.crawler.stats.inc_value(f"fashionphile/page_state/{result.state}")
        if result.state == fp.BLOCKED:
            count_blocked(self.crawler)
            self.page_failed(collection, page, f"blocked (challenge page, HTTP {response.status})")
            return
        if result.state == fp.NOT_RENDERED:
            reason = "listing page has no rendered products (client-side grid; needs the browser)"
            if self.render:
                yield from self.retry_or_fail(response.meta, reason)
            else:
                self.page_failed(collection, page, reason)
            return
        if result.state == fp.SEARCH_ERROR:
            yield from self.retry_or_fail(response.meta, "the page's search request failed")
            return

        self.pages_done[collection].add(page)
        if page == 1:
            yield from self.first_page(collection, result)
        elif result.results_count is not None:
            # every page reports the search's total: the last one answered is the count "after"
            self.counts_after[collection] = result.results_count
        if result.unparsed_cards:
            self.crawler.stats.inc_value("fashionphile/unparsed_cards", result.unparsed_cards)
        for item in result.items:
            if item.listing_id in self.seen_ids[collection]:
                # The same card on two pages of one walk: the grid moved while it was paged.
                self.crawler.stats.inc_value("radar/shifts_detected", start=0)
            self.seen_ids[collection].add(item.listing_id)
            if item.listing_id in self.yielded_ids:
                self.crawler.stats.inc_value("fashionphile/duplicate_cards")
                continue
            self.yielded_ids.add(item.listing_id)
            if self.wants_product_json(item):
                yield scrapy.Request(
                    f"{self.base_url}/products/{item.raw_attributes['handle']}.json",
                    callback=self.parse_product_json, errback=self.product_json_failed,
                    cb_kwargs={"item": item}, meta={"playwright": False},
                )
            else:
                yield item

    def wants_product_json(self, item: Any) -> bool:
        if not item.raw_attributes.get("handle"):
            return False
        if self.enrich_mode == "new":
            return item.listing_id not in self.known_ids
        return self.enrich

    def first_page(self, collection: str, result: fp.ListingPage) -> Iterator[scrapy.Request]:
        total = result.results_count
        self.expected[collection] = total
        if total is None:
            mark_incomplete(self.crawler, f"fashionphile/{collection}: no result count on page 1")
        else:
            add_expected_count(self.crawler, total)
        last = result.last_page
        if last is None and result.state == fp.OK:
            mark_incomplete(self.crawler, f"fashionphile/{collection}: no last page in the pagination")
        last = self.sane_last_page(collection, last, total, len(result.items))
        self.last_pages[collection] = last or 1
        for page in range(2, (last or 1) + 1):
            yield self.listing_request(collection, page)

    def sane_last_page(self, collection: str, last: int | None, total: int | None, cards: int) -> int | None:
        """The pagination's last page, unless it cannot be true: more pages than the search's total
        needs at page 1's size (a page or two of churn allowed), or, without a total, more than
        MAX_GRID_PAGES. Then the walk stops at what the total implies and the day is incomplete:
        a bad number on one page never queues millions of requests."""
        if last is None:
            return None
        if total is not None and cards > 0:
            plausible = -(-total // cards) + SPARE_GRID_PAGES
        else:
            plausible = MAX_GRID_PAGES
        if last <= plausible:
            return last
        mark_incomplete(self.crawler, f"fashionphile/{collection}: the pagination's last page {last} is beyond "
                        f"the {plausible} pages the result count allows; walked {plausible}")
        return plausible

    def retry_or_fail(self, meta: dict[str, Any], reason: str) -> Iterator[scrapy.Request]:
        collection, page, attempt = meta["collection"], meta["page"], meta.get("attempt", 1)
        if attempt < self.max_render_attempts:
            self.crawler.stats.inc_value("fashionphile/render_retries")
            self.logger.info("Re-rendering %s page %s (%s), attempt %s", collection, page, reason, attempt + 1)
            yield self.listing_request(collection, page, attempt + 1)
        else:
            self.page_failed(collection, page, f"{reason} after {attempt} attempts")

    def listing_failed(self, failure: Any) -> Iterator[scrapy.Request]:
        request = failure.request
        meta = request.meta
        if isinstance(failure.value, BlockedError):
            # BlockedResponseMiddleware already counted it and marked the snapshot incomplete.
            self.pages_failed[meta["collection"]].add(meta["page"])
            self.logger.warning("fashionphile/%s page %s blocked: %s", meta["collection"], meta["page"], failure.value)
            return
        response = getattr(failure.value, "response", None)
        if response is not None and response.status in fp.BLOCKED_STATUSES:
            count_blocked(self.crawler)
            self.page_failed(meta["collection"], meta["page"], f"blocked (HTTP {response.status})")
            return
        reason = f"{type(failure.value).__name__}: {str(failure.value).splitlines()[0][:200] if str(failure.value) else ''}"
        yield from self.retry_or_fail(meta, reason)

    def page_failed(self, collection: str, page: int, reason: str) -> None:
        self.pages_failed[collection].add(page)
        self.logger.warning("fashionphile/%s page %s missing: %s", collection, page, reason)
        mark_incomplete(self.crawler, f"fashionphile/{collection} page {page}: {reason}")

    def parse_product_json(self, response: Response, item: Any) -> Any:
        try:
            return fp.enrich_item(item, response.body)
        except (ValueError, KeyError, TypeError) as exc:
            self.crawler.stats.inc_value("fashionphile/enrich_failed")
            self.logger.warning("Bad product JSON %s: %s", response.url, exc)
            return item

    def product_json_failed(self, failure: Any) -> Any:
        # The card item is complete without the JSON: keep it, count the gap.
        self.crawler.stats.inc_value("fashionphile/enrich_failed")
        return failure.request.cb_kwargs["item"]

    # -- disappearances ---------------------------------------------------------------------
    def idle_phases(self) -> list[Any]:
        return [self.judge_grid_gaps, self.confirm_disappearances, self.judge_confirmations]

    def judge_grid_gaps(self) -> list[scrapy.Request]:
        """A grid short of its total by more than the site could have moved is a broken walk:
        incomplete, so its listings are not asked one by one."""
        shifts = self.crawler.stats.get_value("radar/shifts_detected") or 0
        for collection in self.collections:
            expected = self.expected.get(collection)
            if expected is None:
                continue
            after = self.counts_after.get(collection)
            if after is not None:
                self.crawler.stats.inc_value("radar/expected_count_after", after, start=0)
            gap = min(expected, expected if after is None else after) - len(self.seen_ids[collection])
            allowed = self.market.confirmations.allowed_gap(expected, after, shifts)
            if gap > allowed:
                mark_incomplete(self.crawler, f"fashionphile/{collection}: {gap} of {expected} listings missing from "
                                              f"the grid, more than the site moved during the walk (allowed {allowed})")
        return []

    def seen_listing_ids(self) -> set[str]:
        return self.yielded_ids

    def confirmation_request(self, listing_id: str, handle: str) -> scrapy.Request:
        return scrapy.Request(
            f"{self.base_url}/products/{handle}",
            callback=self.parse_confirmation,
            errback=self.confirmation_failed,
            cb_kwargs={"listing_id": listing_id},
            meta={"playwright": False, "radar_expect": "html", "dont_redirect": True,
                  "handle_httpstatus_list": list(CONFIRMATION_GONE_STATUSES)},
            dont_filter=True,
        )

    def parse_confirmation(self, response: Response, listing_id: str) -> Iterator[Any]:
        if response.status in CONFIRMATION_GONE_STATUSES:
            self.confirmed(listing_id, None)
            return
        item = fp.parse_product_page(response, url=response.url, base_url=self.base_url,
                                     snapshot_date=self.snapshot_date, status=response.status)
        if item is None:
            self.confirmation_failed_for(listing_id, f"not a product page at {response.url}")
            return
        if item.listing_id != listing_id:  # the handle now shows another listing: ours is gone
            self.confirmed(listing_id, None)
            return
        if listing_id in self.yielded_ids:
            return
        self.yielded_ids.add(listing_id)
        confirmed = self.confirmed(listing_id, item)
        if confirmed is not None:
            yield confirmed

    # -- completeness ----------------------------------------------------------------------
    def closed(self, reason: str) -> None:
        # Listings recovered by confirmation fill gaps the grid left (docs/architecture.md, the tolerance).
        recovered = self.crawler.stats.get_value("radar/listings_recovered") or 0
        for collection in self.collections:
            expected = self.expected.get(collection)
            got = len(self.seen_ids[collection])
            if 1 not in self.pages_done[collection]:
                if not self.pages_failed[collection]:
                    mark_incomplete(self.crawler, f"fashionphile/{collection}: first page never parsed")
                continue
            last = self.last_pages.get(collection) or 1
            missing = sorted(set(range(1, last + 1)) - self.pages_done[collection] - self.pages_failed[collection])
            if missing:
                mark_incomplete(self.crawler, f"fashionphile/{collection}: pages never parsed {missing[:20]}")
            # the tolerance (docs/architecture.md): listings on sale through the whole walk number at
            # most min(count before, count after); a listing published or sold during it may be missed
            after = self.counts_after.get(collection)
            floor = expected if expected is None or after is None else min(expected, after)
            if floor is not None and got + recovered < floor:
                mark_incomplete(self.crawler, f"fashionphile/{collection}: collected {got} of {floor} listings "
                                              f"(results {expected} before, {after} after)")
            self.crawler.stats.set_value(f"fashionphile/{collection}/collected", got)
            self.crawler.stats.set_value(f"fashionphile/{collection}/pages", len(self.pages_done[collection]))
