"""Downloader middlewares: the crawl stays on its site, polite 429 handling, blocked/challenge detection.

TargetSiteMiddleware (50, before robots.txt and every other middleware): every request of a
marketplace spider, including each hop of a redirect, must stay on the spider's `base_url` site
(crawlers.targets.same_site: the same host with or without `www.`, the same port, or http ->
https on the default ports; never credentials in the URL). Anything else is refused before it
is sent, whatever `dont_filter` says: counted in `radar/skipped/offsite_redirect` (a redirect's
hop) or `radar/skipped/offsite_request`, marks the snapshot incomplete (a page we could not
read), and raises OffsiteError (an IgnoreRequest, delivered to the request's errback). A
response whose final URL left the site (a browser that followed a redirect itself) is
refused the same way. Scrapy's own OffsiteMiddleware does not do this: it matches domains,
not ports, and lets `dont_filter` requests through.

RetryAfterMiddleware (560): a 429 (or a 503 carrying Retry-After) pauses every request to
that host until Retry-After has passed (capped by RADAR_RETRY_AFTER_MAX), then retries the
request within RETRY_TIMES. Stats: `radar/retry_after/count`, `radar/retry_after/waited_seconds`.

BlockedResponseMiddleware (540, i.e. after all retries): a 403, a 429 left after retries, or a
"challenge" (HTML where JSON was expected, or an interstitial such as "Just a moment...",
a captcha, "Access denied") is counted in `radar/blocked_count`, marks the snapshot
incomplete and is dropped with BlockedError (an IgnoreRequest, delivered to the request's
errback) so it can never read as an empty catalogue. A challenge served with HTTP 200 is first
retried RADAR_CHALLENGE_RETRIES times.

Requests declare what they expect with `meta["radar_expect"] = "json"` (URLs ending in
`.json` are assumed JSON) or `"html"` (check HTML for challenge markers);
`meta["radar_skip_block_check"] = True` opts out, and a status the spider handles itself
(`handle_httpstatus_list`, as the Fashionphile spider does for 401/403) is passed through.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import sleep

from crawlers.challenge import challenge_marker
from crawlers.completeness import count_blocked, count_skipped, mark_incomplete
from crawlers.targets import redact_url, same_site

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

class BlockedError(IgnoreRequest):
    """The site refused us (403, 429 after retries, challenge page)."""

    def __init__(self, reason: str, url: str):
        super().__init__(f"blocked ({reason}): {url}")
        self.reason = reason
        self.url = url


def parse_retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def expects_json(request: Request) -> bool:
    expect = request.meta.get("radar_expect")
    if expect is not None:
        return expect == "json"
    return urlparse(request.url).path.endswith(".json")


def challenge_reason(request: Request, response: Response) -> str | None:
    """Why an HTTP 200 response is a challenge/interstitial rather than content, or None.

    Checked when JSON was expected (any HTML body is then a challenge), or when the request
    asks for an HTML check (`meta["radar_expect"] = "html"`: a challenge title/marker)."""
    head = response.body[:20000]
    content_type = (response.headers.get(b"Content-Type") or b"").lower()
    if expects_json(request):
        stripped = head.lstrip()
        if b"html" in content_type or stripped[:1] not in (b"{", b"["):
            return f"challenge page where JSON was expected ({challenge_marker(head) or 'non-JSON body'})"
        return None
    if request.meta.get("radar_expect") != "html":
        return None
    if b"html" in content_type or head.lstrip()[:1] == b"<":
        title = re.search(rb"<title[^>]*>(.*?)</title>", head, re.IGNORECASE | re.DOTALL)
        probe = title.group(1) if title else head[:3000]
        marker = challenge_marker(probe)
        if marker:
            return f"challenge page ({marker})"
    return None


class OffsiteError(IgnoreRequest):
    """A request or redirect that would leave the target's site; never sent."""


class TargetSiteMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> TargetSiteMiddleware:
        return cls(crawler)

    def _origin(self) -> str | None:
        return getattr(self.crawler.spider, "base_url", None) or None

    def process_request(self, request: Request) -> None:
        origin = self._origin()
        if origin is None or same_site(origin, request.url):
            return None
        redirects = request.meta.get("redirect_urls") or []
        self._refuse(origin, request.url, redirects[-1] if redirects else None)

    def process_response(self, request: Request, response: Response) -> Response:
        origin = self._origin()
        if origin is None or response.url == request.url or same_site(origin, response.url):
            return response
        self._refuse(origin, response.url, request.url)
        return response  # not reached

    def _refuse(self, origin: str, url: str, redirected_from: str | None) -> None:
        target = redact_url(url)
        if redirected_from is not None:
            count_skipped(self.crawler, "offsite_redirect")
            why = f"redirect refused: {redact_url(redirected_from)} -> {target} leaves {origin}"
        else:
            count_skipped(self.crawler, "offsite_request")
            why = f"request refused: {target} is not on {origin}"
        mark_incomplete(self.crawler, why)
        raise OffsiteError(why)


def _is_robots(request: Request) -> bool:
    return urlparse(request.url).path == "/robots.txt"


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.max_wait = settings.getfloat("RADAR_RETRY_AFTER_MAX", 120.0)
        self.default_wait = settings.getfloat("RADAR_RETRY_AFTER_DEFAULT", 5.0)
        self.not_before: dict[str, float] = {}  # host -> monotonic time

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlparse(request.url).netloc
        wait = self.not_before.get(host, 0.0) - time.monotonic()
        if wait > 0:
            await sleep(wait)
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry"):
            return response
        header = response.headers.get(b"Retry-After")
        if response.status != 429 and not (response.status == 503 and header):
            return response
        wait = parse_retry_after(header)
        wait = self.default_wait if wait is None else min(wait, self.max_wait)
        stats = self.crawler.stats
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,  # type: ignore[arg-type]  # open while it gets responses
            reason=f"{response.status} Retry-After",
        )
        if retry is None:
            return response  # retries exhausted: BlockedResponseMiddleware counts it
        host = urlparse(request.url).netloc
        self.not_before[host] = max(self.not_before.get(host, 0.0), time.monotonic() + wait)
        stats.inc_value("radar/retry_after/count", start=0)
        stats.inc_value("radar/retry_after/waited_seconds", wait, start=0)  # type: ignore[arg-type]  # any number adds
        return retry


class BlockedResponseMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.challenge_retries = crawler.settings.getint("RADAR_CHALLENGE_RETRIES", 1)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockedResponseMiddleware:
        return cls(crawler)

    def _spider_handles(self, request: Request, status: int) -> bool:
        """The spider reads this status itself (handle_httpstatus_list / _all), e.g. Fashionphile."""
        if request.meta.get("handle_httpstatus_all"):
            return True
        spider = self.crawler.spider
        listed = request.meta.get("handle_httpstatus_list") or getattr(spider, "handle_httpstatus_list", None) or ()
        return status in listed

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("radar_skip_block_check") or _is_robots(request):
            return response
        if response.status >= 300 and self._spider_handles(request, response.status):
            return response
        reason: str | None = None
        if response.status == 403:
            reason = "HTTP 403"
        elif response.status == 429:
            reason = "HTTP 429 after retries"
        elif 200 <= response.status < 300:
            reason = challenge_reason(request, response)
            if reason is not None:
                retry = get_retry_request(
                    request,
                    spider=self.crawler.spider,  # type: ignore[arg-type]  # open while it gets responses
                    reason="challenge",
                    max_retry_times=self.challenge_retries,
                )
                if retry is not None:
                    return retry
        if reason is None:
            return response
        count_blocked(self.crawler)
        mark_incomplete(self.crawler, f"blocked: {reason} at {request.url}")
        raise BlockedError(reason, request.url)
