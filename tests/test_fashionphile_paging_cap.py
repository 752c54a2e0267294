"""A Fashionphile grid whose pagination claims absurdly many pages: the walk stops at what the
search's result count allows and the day is incomplete (issue 11: one bad value never queues
millions of requests nor loses the day)."""

from __future__ import annotations

from scrapy.utils.test import get_crawler

from crawlers.parsers import fashionphile as fp
from crawlers.spiders.fashionphile import MAX_GRID_PAGES, SPARE_GRID_PAGES, FashionphileSpider


def _spider():
    crawler = get_crawler(FashionphileSpider)
    spider = FashionphileSpider.from_crawler(crawler, base_url="http://127.0.0.1:9", snapshot_date="2026-09-03")
    crawler.stats.open_spider()
    return spider, crawler


def _page(total: int | None, last: int | None, cards: int) -> fp.ListingPage:
    page = fp.ListingPage(fp.OK, total, last, 1)
    page.items = [object()] * cards  # only their number matters to the paging
    return page


def _pages_requested(spider, page: fp.ListingPage) -> list[int]:
    return [request.meta["page"] for request in spider.first_page("handbags", page)]


def test_a_last_page_of_ten_to_the_eighteen_walks_only_what_the_count_allows():
    spider, crawler = _spider()
    pages = _pages_requested(spider, _page(total=120, last=10**18, cards=48))
    assert pages == list(range(2, 3 + SPARE_GRID_PAGES + 1))  # ceil(120/48) = 3, plus the spare pages
    reasons = crawler.stats.get_value("radar/incomplete_reasons")
    assert reasons and "beyond" in reasons[0] and str(10**18) in reasons[0]


def test_without_a_count_the_walk_is_capped():
    spider, crawler = _spider()
    pages = _pages_requested(spider, _page(total=None, last=10**9, cards=48))
    assert len(pages) == MAX_GRID_PAGES - 1
    assert any("beyond" in r for r in crawler.stats.get_value("radar/incomplete_reasons"))


def test_a_true_last_page_is_walked_whole_and_stays_complete():
    spider, crawler = _spider()
    assert _pages_requested(spider, _page(total=1000, last=21, cards=48)) == list(range(2, 22))
    assert not any("beyond" in r for r in crawler.stats.get_value("radar/incomplete_reasons") or [])
