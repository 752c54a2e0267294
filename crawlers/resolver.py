"""Scrapy's DNS resolver, checking every address a crawl connects to (crawlers/targets.py).

The spider resolves its target when it starts (MarketplaceSpider.from_crawler), but Scrapy
resolves each host again when it connects: a name that answered a public address at the start
could answer 127.0.0.1 or 169.254.169.254 a moment later (DNS rebinding). This resolver (the
TWISTED_DNS_RESOLVER of crawlers/settings.py) is Scrapy's caching resolver plus the same
address rule: a refused address fails the request with DNSLookupError (retried, then the page
is failed and the snapshot incomplete), and nothing is sent to it.

The browser crawl (scrapy-playwright, Fashionphile) resolves inside Chromium, outside this check.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawlers.targets import address_refusal, allow_private_default

log = logging.getLogger(__name__)


class PublicAddressResolver(CachingThreadedResolver):
    def __init__(self, reactor: Any, cache_size: int, timeout: float, allow_private: bool | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private_default() if allow_private is None else allow_private

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # Twisted's name
        return super().getHostByName(name, timeout).addCallback(self.checked, name)

    def checked(self, address: str, name: str) -> str:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            raise DNSLookupError(f"{name} resolved to {address!r}, not an address; refused") from None
        why = address_refusal(parsed, allow_private=self.allow_private)
        if why:
            # Twisted reports a failed lookup as "no results": say here why there are none.
            message = f"{name} resolves to {why}; refused"
            log.warning(message)
            raise DNSLookupError(message)
        return address
