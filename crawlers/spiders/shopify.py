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

   Products are counted once per shard (`received` is unique ids): a product seen again on a
   later page of the same walk is a detected shift (the site moved while it was paged).
4. at the end of the walk (spider_idle, before the spider closes): each collection's count is
   read again (`expected_count_after`) and the pages around each detected shift are fetched
   again (`pages_refetched`); then every listing of the last complete snapshot that the walk
   did not see gets one request to `/products/<handle>.js` (MarketplaceSpider: still listed ->
   an item marked recovered, shown sold -> an item with available=False, 404 / redirect ->
   confirmed absent, no answer -> failed); then the counts are judged: unique products plus
   recovered listings must reach min(products_count before, after) (docs/architecture.md).

Stats: `radar/expected_count` (sum of the crawled collections' products_count),
`radar/expected_count_after` (the same, read at the end), `radar/received_count` (unique
products received), `radar/shifts_detected`, `radar/pages_refetched`, the confirmation counts
(`radar/confirmations_requested`, `radar/listings_recovered`, `radar/disappearances_confirmed`,
`radar/sales_confirmed`, `radar/confirmations_failed`), `radar/skipped/non_bag`,
`radar/skipped/duplicate`, `radar/skipped/parse_error`, `radar/pages/ok`, `radar/pages/failed`,
`radar/shards`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Self

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.completeness import (
    add_expected_count,
    count_blocked,
    count_skipped,
    incomplete_reasons,
    mark_incomplete,
)
from crawlers.config import ConfigError, MarketplaceConfig, get_marketplace, validate_base_url
from crawlers.middlewares import BlockedError
from crawlers.parsers.shopify import AjaxProductPage, CollectionPage, NotShopifyJSON, ProductsPage, ShopifyProduct
from crawlers.targets import check_resolved
from radar.items import ListingItem

MAX_SHIFT_REPAIRS = 20  # shifts per collection whose pages are fetched again

# Statuses a confirmation request reads itself: gone (404/410) or moved away (an unpublished
# Shopify product redirects, e.g. to a collection). Anything else that is not 200 is a failure.
CONFIRMATION_GONE_STATUSES = (301, 302, 303, 307, 308, 404, 410)


def parse_snapshot_date(value: str | date | None) -> date:
    if value is None or value == "":
        return datetime.now(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"snapshot_date must be YYYY-MM-DD, got {value!r}") from None


class MarketplaceSpider(scrapy.Spider):
    """Base for every marketplace spider: `name` is the marketplace key in the config."""

    market: MarketplaceConfig  # set by from_crawler, before any request
    _idle_phases: list[Any]

    def __init__(self, *args: Any, base_url: str | None = None, snapshot_date: str | None = None,
                 **kwargs: Any):
        super().__init__(*args, **kwargs)
        try:
            self.snapshot_date: date = parse_snapshot_date(snapshot_date)
            self._base_url_arg = validate_base_url(base_url) if base_url else None
        except ValueError as exc:
            raise ValueError(f"scrapy crawl {self.name}: bad argument: {exc}") from None
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
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.market = cls.marketplace_config(crawler.settings)
        spider.base_url = spider._base_url_arg or spider.market.base_url
        # Resolved once, before any request: every address of the host must be public (or the
        # sandbox's, with RADAR_ALLOW_PRIVATE_TARGETS); a name that does not resolve stops here.
        check_resolved(spider.base_url)
        crawler.signals.connect(spider._record_identity, signal=signals.spider_opened)
        crawler.signals.connect(spider._run_idle_phases, signal=signals.spider_idle)
        spider._idle_phases = list(spider.idle_phases())
        return spider

    def _record_identity(self) -> None:
        stats = self.crawler.stats
        stats.set_value("radar/marketplace", self.name)
        stats.set_value("radar/snapshot_date", self.snapshot_date.isoformat())
        stats.set_value("radar/base_url", self.base_url)

    # ------------------------------------------------------------------ end of the walk

    def idle_phases(self) -> list[Any]:
        """What runs, in order, once the walk has nothing left to fetch (each may return requests;
        the next runs when those are done). Subclasses extend the list."""
        return [self.confirm_disappearances, self.judge_confirmations]

    def _run_idle_phases(self) -> None:
        while self._idle_phases:
            phase = self._idle_phases.pop(0)
            requests = list(phase() or ())
            if requests:
                for request in requests:
                    self.crawler.engine.crawl(request)
                raise DontCloseSpider

    def seen_listing_ids(self) -> set[str]:
        """Listing ids the walk saw today (subclasses say where they keep them)."""
        raise NotImplementedError

    def lake(self) -> Any:
        from radar.lake import Lake
        from radar.settings import get_settings

        return Lake.from_url(self.crawler.settings.get("RADAR_LAKE_URL") or get_settings().lake_url)

    def confirm_disappearances(self) -> list[Request]:
        """One request per listing of the last complete snapshot that today's walk did not see.

        Skipped when the walk is already incomplete (a missing page or shard would send a
        request for every listing on it; an incomplete day never makes a sale anyway). More
        than `max_confirmations`: the first ones are asked and the day is marked incomplete.
        """
        stats = self.crawler.stats
        for key in ("confirmations_requested", "listings_recovered", "disappearances_confirmed",
                    "sales_confirmed", "confirmations_failed"):
            stats.set_value(f"radar/{key}", 0)
        settings = self.market.confirmations
        if not settings.enabled:
            return []
        if incomplete_reasons(self.crawler):
            self.logger.info("walk incomplete: disappearances not confirmed today")
            stats.set_value("radar/confirmations_skipped", "walk incomplete")
            return []
        try:
            last = self.lake().listings_to_confirm(self.name, self.snapshot_date, settings.lookback_days)
        except Exception as exc:  # noqa: BLE001 - an unreadable lake must not lose today's walk
            mark_incomplete(self.crawler, f"disappearances not confirmed: the lake could not be read ({exc})")
            return []
        if last is None:
            return []
        seen = self.seen_listing_ids()
        missing = sorted(listing_id for listing_id in last.handles if listing_id not in seen)
        if len(missing) > settings.max_confirmations:
            mark_incomplete(self.crawler, f"{len(missing)} listings of {last.snapshot_date} not seen today, more than "
                                          f"max_confirmations {settings.max_confirmations}: confirmed the first "
                                          f"{settings.max_confirmations}")
            missing = missing[: settings.max_confirmations]
        self.logger.info("%d listings of the snapshot of %s not seen today: confirming each", len(missing),
                         last.snapshot_date)
        requests = []
        for listing_id in missing:
            handle = last.handles[listing_id]
            if not handle:
                self.confirmation_failed_for(listing_id, "no handle in the lake to ask its page")
                continue
            requests.append(self.confirmation_request(listing_id, handle))
        stats.set_value("radar/confirmations_requested", len(requests))
        return requests

    def confirmation_request(self, listing_id: str, handle: str) -> Request:
        raise NotImplementedError

    def confirmation_failed_for(self, listing_id: str, why: str) -> None:
        self.crawler.stats.inc_value("radar/confirmations_failed", start=0)
        self.logger.warning("confirmation of listing %s failed: %s", listing_id, why)

    def confirmation_failed(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        why = f"HTTP {response.status}" if response is not None else (failure.getErrorMessage() or type(failure.value).__name__)
        self.confirmation_failed_for(failure.request.cb_kwargs["listing_id"], why)  # type: ignore[attr-defined]  # scrapy sets it

    def confirmed(self, listing_id: str, item: ListingItem | None) -> ListingItem | None:
        """Count one answered confirmation: None -> gone; an item -> recovered or shown sold."""
        stats = self.crawler.stats
        if item is None:
            stats.inc_value("radar/disappearances_confirmed", start=0)
            return None
        if item.available:
            item.raw_attributes["recovered"] = "true"
            stats.inc_value("radar/listings_recovered", start=0)
        else:
            stats.inc_value("radar/sales_confirmed", start=0)
        return item

    def judge_confirmations(self) -> list[Request]:
        failed = self.crawler.stats.get_value("radar/confirmations_failed") or 0
        if failed:
            # Unanswered, the listing would count as absent in a complete snapshot: a possible fake sale.
            mark_incomplete(self.crawler, f"{failed} confirmations of a disappearance failed")
        return []


@dataclass
class Shard:
    """One collection crawled page by page."""

    handle: str
    umbrella: str | None = None  # the oversized collection this shard stands in for
    products_count: int | None = None
    products_count_after: int | None = None  # read again at the end of the walk
    ids: dict[str, int] = field(default_factory=dict)  # product id -> page it was first seen on
    shift_pages: set[int] = field(default_factory=set)  # pages on either side of a detected shift
    pages_ok: int = 0
    failed_pages: list[int] = field(default_factory=list)
    finished: bool = False
    broken: bool = False  # short of its counts by more than the site could have moved

    @property
    def received(self) -> int:
        """Unique products: a product seen twice in the walk counts once."""
        return len(self.ids)


@dataclass
class Umbrella:
    """An oversized collection replaced by shards; its count is checked against the bags found."""

    handle: str
    products_count: int
    products_count_after: int | None = None
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

    def idle_phases(self) -> list[Any]:
        return [self.audit_and_repair, self.judge_walk_gaps, self.confirm_disappearances, self.judge_counts,
                self.judge_confirmations]

    def judge_walk_gaps(self) -> list[Request]:
        """A collection short of its counts by more than the site could have moved is a broken walk
        (a page answered short or empty): incomplete, so no listing of it is asked one by one."""
        settings = self.market.confirmations
        shifts = self.crawler.stats.get_value("radar/shifts_detected") or 0
        for shard in self.shards.values():
            if shard.products_count is None:
                continue
            after = shard.products_count_after
            expected = min(shard.products_count, after if after is not None else shard.products_count, self.cap)
            gap = expected - shard.received
            allowed = settings.allowed_gap(shard.products_count, after, shifts)
            if gap > allowed:
                shard.broken = True
                mark_incomplete(self.crawler, f"collection {shard.handle}: received {shard.received} of {expected} "
                                              f"products, {gap} missing: more than the site moved during the walk "
                                              f"(allowed {allowed})")
        return []

    def seen_listing_ids(self) -> set[str]:
        return self.seen_ids

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

    def _page_request(self, shard: Shard, page: int, refetch: bool = False) -> Request:
        return Request(
            self.products_url(shard.handle, page),
            callback=self.parse_refetch if refetch else self.parse_products,
            errback=self.refetch_failed if refetch else self.page_failed,
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
        request = failure.request  # type: ignore[attr-defined]  # scrapy sets it
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
        shard.pages_ok += 1
        self.crawler.stats.inc_value("radar/pages/ok", start=0)
        for product in self.new_products(shard, page, products):
            yield from self.handle_product(product, shard)
        if page_object.is_last(self.page_size) or (page + 1) * self.page_size > self.cap:
            self.finish_shard(shard)
        else:
            yield self._page_request(shard, page + 1)

    def new_products(self, shard: Shard, page: int, products: list[dict[str, Any]], walk: bool = True):
        """The products this shard's walk has not seen yet; one seen on an earlier page is a shift."""
        for product in products:
            product_id = str(product["id"])
            first_page = shard.ids.get(product_id)
            if first_page is None:
                shard.ids[product_id] = page
                self.crawler.stats.inc_value("radar/received_count", start=0)
                yield product
            elif walk and first_page < page:
                # Something was published ahead of the walk (or moved): the site shifted under it.
                self.crawler.stats.inc_value("radar/shifts_detected", start=0)
                shard.shift_pages.update({page - 1, page})
                self.logger.info("collection %s: product %s seen on page %d and again on page %d (shift)",
                                 shard.handle, product_id, first_page, page)

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
        request = failure.request  # type: ignore[attr-defined]  # scrapy sets it
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
        self.logger.info("collection %s: %d products received (site says %s), %d pages ok, failed %s",
                         shard.handle, shard.received, expected, shard.pages_ok, shard.failed_pages)
        if shard.umbrella:
            self.umbrellas[shard.umbrella].pending.discard(shard.handle)

    def check_umbrella(self, umbrella: Umbrella) -> None:
        """Counted in judge_counts, once the walk, its repairs and the confirmations are done."""
        umbrella.pending.clear()

    # ------------------------------------------------------------------ end of the walk

    def audit_and_repair(self) -> list[Request]:
        """The walk is done: read every count again and fetch the pages around each shift again."""
        requests: list[Request] = []
        for key, shard in self.shards.items():
            if not shard.finished:
                mark_incomplete(self.crawler, f"collection {key}: crawl did not finish")
                shard.finished = True
            requests.append(self._recount_request(shard.handle, shard=shard))
            last_page = max(shard.ids.values(), default=1)
            for page in sorted(p for p in shard.shift_pages if 1 <= p <= last_page)[: 2 * MAX_SHIFT_REPAIRS]:
                requests.append(self._page_request(shard, page, refetch=True))
        for umbrella in self.umbrellas.values():
            if umbrella.pending:
                mark_incomplete(self.crawler, f"collection {umbrella.handle}: shards {sorted(umbrella.pending)} "
                                              f"never crawled")
                umbrella.pending.clear()
            requests.append(self._recount_request(umbrella.handle, umbrella=umbrella))
        return requests

    def _recount_request(self, handle: str, shard: Shard | None = None, umbrella: Umbrella | None = None) -> Request:
        return Request(
            self.collection_url(handle),
            callback=self.parse_recount,
            errback=self.recount_failed,
            cb_kwargs={"shard": shard, "umbrella": umbrella},
            meta={"radar_expect": "json"},
            dont_filter=True,
        )

    def parse_recount(self, response: Response, shard: Shard | None, umbrella: Umbrella | None):
        try:
            count = CollectionPage(response.body).products_count()
        except NotShopifyJSON as exc:
            self._blocked(response.url, str(exc))
            return
        target = shard or umbrella
        assert target is not None, "a recount is asked for a shard or an umbrella"
        target.products_count_after = count
        if count is not None and (umbrella is not None or (shard is not None and shard.umbrella is None)):
            self.crawler.stats.inc_value("radar/expected_count_after", count, start=0)

    def recount_failed(self, failure: Failure) -> None:
        # Not a gap by itself: the count read before the walk still bounds it.
        self.crawler.stats.inc_value("radar/recounts_failed", start=0)
        self.logger.warning("count read again failed: %s", failure.getErrorMessage() or type(failure.value).__name__)

    def parse_refetch(self, response: Response, shard: Shard, page: int):
        self.crawler.stats.inc_value("radar/pages_refetched", start=0)
        try:
            products = ProductsPage(response.body).products()
        except NotShopifyJSON as exc:
            self._blocked(response.url, str(exc))
            return
        for product in self.new_products(shard, page, products, walk=False):
            yield from self.handle_product(product, shard)

    def refetch_failed(self, failure: Failure) -> None:
        # The repair is lost, not the walk: a gap it would have filled still shows in judge_counts.
        self.crawler.stats.inc_value("radar/pages_refetch_failed", start=0)
        self.logger.warning("page fetched again failed: %s", failure.getErrorMessage() or type(failure.value).__name__)

    def judge_counts(self) -> list[Request]:
        """Unique products (plus listings recovered by confirmation) against the counts before and after.

        A collection is whole when its unique products reach min(products_count before, after)
        (within the paging cap): the counts differ by what was published and removed during the
        walk, and a gap larger than that churn is a hole. The listings recovered by confirmation
        are a pool that may fill any collection's gap (docs/architecture.md: the tolerance, and
        why it is safe: every listing seen before that the walk missed was asked on its own page).
        """
        recovered = self.crawler.stats.get_value("radar/listings_recovered") or 0
        gaps: list[tuple[str, int, str]] = []
        for shard in self.shards.values():
            counts = [c for c in (shard.products_count, shard.products_count_after) if c is not None]
            if not counts or shard.broken:
                continue
            expected = min(min(counts), self.cap)
            if shard.received < expected:
                gaps.append((shard.handle, expected - shard.received,
                             f"collection {shard.handle}: received {shard.received} of {expected} products "
                             f"(products_count {shard.products_count} before, {shard.products_count_after} after)"))
        for umbrella in self.umbrellas.values():
            found = len(umbrella.bag_ids)
            self.crawler.stats.set_value(f"radar/sharded/{umbrella.handle}/bags_found", found)
            expected = min(c for c in (umbrella.products_count, umbrella.products_count_after) if c is not None)
            if found < expected:
                gaps.append((umbrella.handle, expected - found,
                             f"collection {umbrella.handle}: its shards hold {found} of {expected} bags; "
                             f"add shards to the config"))
        shard_gap = sum(gap for handle, gap, _ in gaps if handle not in self.umbrellas)
        umbrella_gap = max([gap for handle, gap, _ in gaps if handle in self.umbrellas], default=0)
        if max(shard_gap, umbrella_gap) <= recovered:
            if gaps:
                self.logger.info("%d products missing from the walk, %d listings recovered: the snapshot is whole",
                                 max(shard_gap, umbrella_gap), recovered)
            return []
        for _, _, reason in gaps:
            mark_incomplete(self.crawler, reason + (f"; {recovered} recovered by confirmation" if recovered else ""))
        return []

    # ------------------------------------------------------------------ confirmations

    def confirmation_request(self, listing_id: str, handle: str) -> Request:
        return Request(
            self.market.product_url(handle, self.base_url) + ".js",
            callback=self.parse_confirmation,
            errback=self.confirmation_failed,
            cb_kwargs={"listing_id": listing_id},
            meta={"radar_expect": "json", "dont_redirect": True,
                  "handle_httpstatus_list": list(CONFIRMATION_GONE_STATUSES)},
            dont_filter=True,
        )

    def parse_confirmation(self, response: Response, listing_id: str):
        if response.status in CONFIRMATION_GONE_STATUSES:
            self.confirmed(listing_id, None)
            return
        try:
            page = AjaxProductPage(response.body)
            if page.listing_id() != listing_id:  # the handle now names another product: ours is gone
                self.confirmed(listing_id, None)
                return
            item = self.make_product(page.feed_product()).to_item(self.name, self.snapshot_date)
        except Exception as exc:  # noqa: BLE001 - an odd answer is a failed confirmation, never a sale
            self.confirmation_failed_for(listing_id, f"unreadable answer at {response.url}: {exc}")
            return
        if listing_id in self.seen_ids:
            return
        self.seen_ids.add(listing_id)
        confirmed = self.confirmed(listing_id, item)
        if confirmed is not None:
            yield confirmed

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
        mark_incomplete(self.crawler, f"{what}: {failure.getErrorMessage() or type(failure.value).__name__}")
        self.logger.error("%s: %r", what, failure.value)

    def _parse_error(self, product: dict[str, Any], exc: Exception) -> None:
        count_skipped(self.crawler, "parse_error")
        self.logger.error("could not parse product %s (%s): %r", product.get("id"), product.get("handle"), exc)
