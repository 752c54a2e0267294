"""Shared crawl logic for Shopify storefronts (rebag, vsp, config stores).

    scrapy crawl <marketplace> -a base_url=http://127.0.0.1:PORT -a snapshot_date=YYYY-MM-DD

`MarketplaceSpider` (any marketplace, incl. the browser one): validates the arguments, loads
the marketplace's config entry (crawlers/marketplaces.yaml) and applies its politeness settings.

`ShopifySpider` decides what to fetch, never how to read it (crawlers/parsers/*):
1. per configured collection, GET `/collections/<h>.json` for `products_count`;
2. count <= 25,000: page `/collections/<h>/products.json?limit=250&page=N` until a short or
   empty page; count > 25,000: crawl the configured `shards` instead (brand collections),
   keep bags, dedupe listing ids across shards;
3. completeness: every shard's received products are counted against its products_count;
   a missing page or shard, a page that failed after retries, a blocked page or a count
   mismatch marks the snapshot incomplete (crawlers.completeness). Sharded collections are
   also checked for coverage: the bags found across shards must reach the collection's count.

Stats: `radar/expected_count` (sum of the crawled collections' products_count),
`radar/received_count` (products received), `radar/skipped/non_bag`, `radar/skipped/duplicate`,
`radar/skipped/parse_error`, `radar/pages/ok`, `radar/pages/failed`, `radar/shards`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.completeness import (
    add_expected_count,
    count_blocked,
    count_skipped,
    mark_incomplete,
)
from crawlers.config import ConfigError, MarketplaceConfig, get_marketplace, validate_base_url
from crawlers.middlewares import BlockedError
from crawlers.parsers.shopify import CollectionPage, NotShopifyJSON, ProductsPage, ShopifyProduct


def parse_snapshot_date(value: str | date | None) -> date:
    if value is None or value == "":
        return datetime.now(timezone.utc).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"snapshot_date must be YYYY-MM-DD, got {value!r}") from None


class MarketplaceSpider(scrapy.Spider):
    """Base for every marketplace spider: `name` is the marketplace key in the config."""

    def __init__(self, *args: Any, base_url: str | None = None, snapshot_date: str | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        try:
            self.snapshot_date: date = parse_snapshot_date(snapshot_date)
            self._base_url_arg = validate_base_url(base_url) if base_url else None
        except ValueError as exc:
            raise ValueError(f"scrapy crawl {self.name}: bad argument: {exc}") from None
        self.market: MarketplaceConfig | None = None
        self.base_url: str = self._base_url_arg or ""

    @classmethod
    def marketplace_config(cls, settings: Any = None) -> MarketplaceConfig:
        return get_marketplace(cls.name, settings=settings)

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        try:
            market = cls.marketplace_config(settings)
        except ConfigError as exc:
            raise ConfigError(f"spider {cls.name!r}: {exc}") from None
        settings.setdict(market.scrapy_settings(), priority="spider")
        if settings.getfloat("DOWNLOAD_DELAY") == 0:
            # `-s DOWNLOAD_DELAY=0` (a sandbox on 127.0.0.1): no AutoThrottle start delay either.
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> MarketplaceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.market = cls.marketplace_config(crawler.settings)
        spider.base_url = spider._base_url_arg or spider.market.base_url
        crawler.signals.connect(spider._record_identity, signal=signals.spider_opened)
        return spider

    def _record_identity(self) -> None:
        stats = self.crawler.stats
        stats.set_value("radar/marketplace", self.name)
        stats.set_value("radar/snapshot_date", self.snapshot_date.isoformat())
        stats.set_value("radar/base_url", self.base_url)


@dataclass
class Shard:
    """One collection crawled page by page."""

    handle: str
    umbrella: str | None = None  # the oversized collection this shard stands in for
    products_count: int | None = None
    received: int = 0
    pages_ok: int = 0
    failed_pages: list[int] = field(default_factory=list)
    finished: bool = False


@dataclass
class Umbrella:
    """An oversized collection replaced by shards; its count is checked against the bags found."""

    handle: str
    products_count: int
    pending: set[str] = field(default_factory=set)
    bag_ids: set[str] = field(default_factory=set)
    checked: bool = False


class ShopifySpider(MarketplaceSpider):
    """Crawl a Shopify storefront's collections. Subclasses set `name` and `product_class`."""

    product_class: ClassVar[type[ShopifyProduct]] = ShopifyProduct

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.shards: dict[str, Shard] = {}
        self.umbrellas: dict[str, Umbrella] = {}
        self.seen_ids: set[str] = set()
        self._audited = False

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ShopifySpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ config shortcuts

    @property
    def page_size(self) -> int:
        return self.market.paging.page_size

    @property
    def cap(self) -> int:
        return self.market.paging.max_items_per_collection

    def collection_url(self, handle: str) -> str:
        return f"{self.base_url}/collections/{handle}.json"

    def products_url(self, handle: str, page: int) -> str:
        return f"{self.base_url}/collections/{handle}/products.json?limit={self.page_size}&page={page}"

    def make_product(self, product: dict[str, Any]) -> ShopifyProduct:
        """The page object for one product (subclasses pass site options)."""
        return self.product_class(
            product,
            base_url=self.base_url,
            currency=self.market.currency,
            product_path=self.market.product_path,
            bag_filter=self.market.bag_filter,
        )

    def keeps(self, page_object: ShopifyProduct) -> bool:
        return page_object.is_bag()

    # ------------------------------------------------------------------ crawl

    async def start(self):
        for handle in self.market.collections:
            yield self._collection_request(handle, umbrella=None)

    def _collection_request(self, handle: str, umbrella: str | None) -> Request:
        return Request(
            self.collection_url(handle),
            callback=self.parse_collection,
            errback=self.collection_failed,
            cb_kwargs={"handle": handle, "umbrella": umbrella},
            meta={"radar_expect": "json"},
            dont_filter=True,
        )

    def _page_request(self, shard: Shard, page: int) -> Request:
        return Request(
            self.products_url(shard.handle, page),
            callback=self.parse_products,
            errback=self.page_failed,
            cb_kwargs={"shard": shard, "page": page},
            meta={"radar_expect": "json"},
            dont_filter=True,
        )

    def parse_collection(self, response: Response, handle: str, umbrella: str | None):
        try:
            count = CollectionPage(response.body).products_count()
        except NotShopifyJSON as exc:
            self._blocked(response.url, str(exc))
            count = None
        if count is None:
            mark_incomplete(self.crawler, f"collection {handle}: products_count unavailable")
        yield from self.plan_collection(handle, count, umbrella)

    def collection_failed(self, failure: Failure):
        request = failure.request
        handle = request.cb_kwargs["handle"]
        umbrella = request.cb_kwargs["umbrella"]
        response = getattr(failure.value, "response", None)
        if umbrella is not None and response is not None and response.status == 404:
            # A configured shard the site does not have (e.g. a brand it does not sell now):
            # not a gap by itself; the umbrella's coverage check says whether bags are missing.
            self.logger.warning("shard collection %s does not exist (404); skipped", handle)
            self.crawler.stats.inc_value("radar/shards_absent", start=0)
            pending = self.umbrellas[umbrella].pending
            pending.discard(handle)
            if not pending:
                self.check_umbrella(self.umbrellas[umbrella])
            return
        self._note_failure(failure, f"collection {handle}: count request failed")
        # Crawl it anyway (stops at a short page); the snapshot is already incomplete.
        yield from self.plan_collection(handle, None, umbrella)

    def plan_collection(self, handle: str, count: int | None, umbrella: str | None):
        """Decide how to cover one collection: crawl it, or replace it by its shards."""
        if count is not None and count > self.cap and umbrella is None:
            shards = [s for s in self.market.shards if s != handle]
            if shards:
                self.logger.info("collection %s has %d products (> %d): sharding into %s",
                                 handle, count, self.cap, shards)
                add_expected_count(self.crawler, count)
                self.umbrellas[handle] = Umbrella(handle, count, pending=set(shards))
                self.crawler.stats.set_value(f"radar/sharded/{handle}", len(shards))
                for shard_handle in shards:
                    yield self._collection_request(shard_handle, umbrella=handle)
                return
            mark_incomplete(self.crawler, f"collection {handle}: {count} products > {self.cap} "
                                          f"and no shards configured; crawled the first {self.cap}")
        if count is not None and count > self.cap:
            mark_incomplete(self.crawler, f"shard {handle}: {count} products > {self.cap}; "
                                          f"configure finer shards; crawled the first {self.cap}")
        shard = Shard(handle=handle, umbrella=umbrella, products_count=count)
        key = f"{umbrella}/{handle}" if umbrella else handle
        self.shards[key] = shard
        self.crawler.stats.inc_value("radar/shards", start=0)
        if umbrella is None and count is not None:
            add_expected_count(self.crawler, count)
        if count == 0:
            self.finish_shard(shard)
            return
        yield self._page_request(shard, 1)

    def parse_products(self, response: Response, shard: Shard, page: int):
        try:
            page_object = ProductsPage(response.body)
        except NotShopifyJSON as exc:
            self._blocked(response.url, str(exc))
            shard.failed_pages.append(page)
            yield from self.next_page_after_failure(shard, page)
            return
        products = page_object.products()
        shard.received += len(products)
        shard.pages_ok += 1
        self.crawler.stats.inc_value("radar/pages/ok", start=0)
        self.crawler.stats.inc_value("radar/received_count", len(products), start=0)
        for product in products:
            yield from self.handle_product(product, shard)
        if page_object.is_last(self.page_size) or (page + 1) * self.page_size > self.cap:
            self.finish_shard(shard)
        else:
            yield self._page_request(shard, page + 1)

    def handle_product(self, product: dict[str, Any], shard: Shard):
        try:
            page_object = self.make_product(product)
            keep = self.keeps(page_object)
        except Exception as exc:  # noqa: BLE001 - one odd product must not stop the crawl
            self._parse_error(product, exc)
            return
        if not keep:
            count_skipped(self.crawler, "non_bag")
            return
        listing_id = page_object.listing_id()
        if shard.umbrella:
            self.umbrellas[shard.umbrella].bag_ids.add(listing_id)
        if listing_id in self.seen_ids:
            count_skipped(self.crawler, "duplicate")
            return
        self.seen_ids.add(listing_id)
        try:
            item = page_object.to_item(self.name, self.snapshot_date)
        except Exception as exc:  # noqa: BLE001
            self._parse_error(product, exc)
            return
        yield item

    def page_failed(self, failure: Failure):
        request = failure.request
        shard: Shard = request.cb_kwargs["shard"]
        page: int = request.cb_kwargs["page"]
        shard.failed_pages.append(page)
        self._note_failure(failure, f"collection {shard.handle} page {page} failed")
        yield from self.next_page_after_failure(shard, page)

    def next_page_after_failure(self, shard: Shard, page: int):
        """Skip a lost page but keep going while products_count says more pages exist."""
        self.crawler.stats.inc_value("radar/pages/failed", start=0)
        more = shard.products_count is not None and page * self.page_size < min(shard.products_count, self.cap)
        if more:
            yield self._page_request(shard, page + 1)
        else:
            self.finish_shard(shard)

    # ------------------------------------------------------------------ completeness

    def finish_shard(self, shard: Shard) -> None:
        if shard.finished:
            return
        shard.finished = True
        expected = shard.products_count
        if shard.failed_pages:
            mark_incomplete(self.crawler, f"collection {shard.handle}: pages {shard.failed_pages} missing")
        if expected is not None and shard.received != min(expected, self.cap):
            mark_incomplete(self.crawler, f"collection {shard.handle}: received {shard.received} of "
                                          f"{expected} products")
        self.logger.info("collection %s: %d products received (site says %s), %d pages ok, failed %s",
                         shard.handle, shard.received, expected, shard.pages_ok, shard.failed_pages)
        if shard.umbrella:
            umbrella = self.umbrellas[shard.umbrella]
            umbrella.pending.discard(shard.handle)
            if not umbrella.pending:
                self.check_umbrella(umbrella)

    def check_umbrella(self, umbrella: Umbrella) -> None:
        if umbrella.checked:
            return
        umbrella.checked = True
        found = len(umbrella.bag_ids)
        self.crawler.stats.set_value(f"radar/sharded/{umbrella.handle}/bags_found", found)
        if found < umbrella.products_count:
            mark_incomplete(self.crawler, f"collection {umbrella.handle}: its shards hold {found} of "
                                          f"{umbrella.products_count} bags; add shards to the config")

    def on_idle(self) -> None:
        """Before the engine closes the spider (and the lake writer reads the stats)."""
        if self._audited:
            return
        self._audited = True
        for key, shard in self.shards.items():
            if not shard.finished:
                mark_incomplete(self.crawler, f"collection {key}: crawl did not finish")
                shard.finished = True
        for umbrella in self.umbrellas.values():
            if umbrella.pending:
                mark_incomplete(self.crawler, f"collection {umbrella.handle}: shards {sorted(umbrella.pending)} "
                                              f"never crawled")
                umbrella.pending.clear()
            self.check_umbrella(umbrella)

    def closed(self, reason: str) -> None:
        if reason != "finished":
            mark_incomplete(self.crawler, f"crawl closed early: {reason}")

    # ------------------------------------------------------------------ helpers

    def _blocked(self, url: str, why: str) -> None:
        count_blocked(self.crawler)
        mark_incomplete(self.crawler, f"blocked: {why} at {url}")

    def _note_failure(self, failure: Failure, what: str) -> None:
        if failure.check(BlockedError):
            return  # BlockedResponseMiddleware already counted it and said why
        mark_incomplete(self.crawler, f"{what}: {failure.getErrorMessage() or failure.type.__name__}")
        self.logger.error("%s: %r", what, failure.value)

    def _parse_error(self, product: dict[str, Any], exc: Exception) -> None:
        count_skipped(self.crawler, "parse_error")
        self.logger.error("could not parse product %s (%s): %r", product.get("id"), product.get("handle"), exc)
