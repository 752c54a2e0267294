"""Fetch the ECB's euro reference rates into the lake: raw/fx_rates/fetch_date=<d>/feed=<f>/.

One plain GET of one of the ECB's files under RADAR_ECB_BASE_URL (the sandbox serves the same
paths), parsed by crawlers.parsers.ecb, published atomically with a manifest by radar.lake.
A failed download or a malformed feed raises FxFetchError before anything is written, so the
partition already in the lake stays as it was.

The fetch is a crawl too (crawlers/targets.py): the URL must be http(s) without credentials,
its host must resolve to public addresses only (loopback/private with RADAR_ALLOW_PRIVATE_TARGETS,
the sandbox and tests), and a redirect is followed only on the same site.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import pyarrow as pa

from crawlers.parsers.ecb import DAILY_XML, HIST_90D_XML, HIST_ZIP, EcbFeedError, EcbRate, parse_feed
from crawlers.targets import TargetError, check_resolved, redact_url, same_site
from radar.lake import FX_RATE_SCHEMA, Lake, LakeError, publish_fx_rates
from radar.settings import RadarSettings, get_settings

log = logging.getLogger(__name__)

Feed = Literal["daily", "hist-90d", "hist"]
FEED_FILES: dict[str, str] = {"daily": DAILY_XML, "hist-90d": HIST_90D_XML, "hist": HIST_ZIP}
USER_AGENT = "resale-radar/1.0 (euro reference rates)"


class FxFetchError(RuntimeError):
    """The rates could not be fetched, parsed or published; the lake is unchanged."""


@dataclass(frozen=True)
class FxFetchResult:
    fetch_date: date
    feed: str
    source_url: str
    path: str
    row_count: int
    first_rate_date: date
    last_rate_date: date
    currencies: tuple[str, ...]


def feed_url(base_url: str, feed: Feed) -> str:
    if feed not in FEED_FILES:
        raise ValueError(f"unknown ECB feed {feed!r}; use one of {sorted(FEED_FILES)}")
    return base_url.rstrip("/") + "/" + FEED_FILES[feed]


def fetch_fx_rates(
    fetch_date: date,
    feed: Feed = "hist-90d",
    *,
    base_url: str | None = None,
    settings: RadarSettings | None = None,
    timeout: float = 60.0,
) -> FxFetchResult:
    """Download one ECB file and publish its rates as the lake's fx_rates partition of `fetch_date`."""
    settings = settings or get_settings()
    url = feed_url(base_url or settings.ecb_base_url, feed)
    try:
        check_resolved(url, allow_private=settings.allow_private_targets, what="ECB URL")
    except TargetError as error:
        raise FxFetchError(f"{error}; the lake keeps its previous rates") from None
    content = download(url, timeout)
    try:
        rates = parse_feed(FEED_FILES[feed], content)
    except EcbFeedError as error:
        raise FxFetchError(f"{url}: {error}; the lake keeps its previous rates") from error
    return write_rates(Lake.from_url(settings.lake_url, settings), fetch_date, feed, rates, url)


class _SameSiteRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only on the fetched URL's own site (crawlers.targets.same_site)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # urllib's signature
        if not same_site(req.full_url, newurl):
            raise FxFetchError(
                f"GET {redact_url(req.full_url)}: redirect to {redact_url(newurl)} refused (it leaves the site);"
                " the lake keeps its previous rates"
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    opener = urllib.request.build_opener(_SameSiteRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise FxFetchError(f"GET {url} answered HTTP {error.code}; the lake keeps its previous rates") from error
    except (urllib.error.URLError, OSError) as error:
        raise FxFetchError(f"GET {url} failed: {error}; the lake keeps its previous rates") from error


def write_rates(lake: Lake, fetch_date: date, feed: Feed, rates: list[EcbRate], source_url: str) -> FxFetchResult:
    """Publish parsed rates (what fetch_fx_rates does after the download; also the sandbox's direct lake)."""
    if not rates:
        raise FxFetchError(f"{source_url}: no rates to publish")
    table = pa.table(
        {
            "rate_date": [r.rate_date for r in rates],
            "currency": [r.currency for r in rates],
            "units_per_eur": [r.units_per_eur for r in rates],
            "source_url": [source_url] * len(rates),
        },
        schema=FX_RATE_SCHEMA,
    )
    days = sorted({r.rate_date for r in rates})
    currencies = tuple(sorted({r.currency for r in rates}))
    manifest = {
        "source_url": source_url,
        "feed": feed,
        "fetched_at": datetime.now(UTC).isoformat(),
        "row_count": table.num_rows,
        "first_rate_date": days[0].isoformat(),
        "last_rate_date": days[-1].isoformat(),
        "rate_days": len(days),
        "currencies": list(currencies),
    }
    try:
        published = publish_fx_rates(lake, fetch_date, feed, table, manifest)
    except LakeError as error:
        raise FxFetchError(str(error)) from error
    log.info("fx rates %s: %d rows, %s..%s, from %s", fetch_date, table.num_rows, days[0], days[-1], source_url)
    return FxFetchResult(fetch_date, feed, source_url, published.path, table.num_rows, days[0], days[-1], currencies)
