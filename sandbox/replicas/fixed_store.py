"""A Shopify storefront serving given product records: exact catalogues for crawler tests.

The market's replicas render simulated listings; a test of the spiders' paging, sharding and
bag filter needs a catalogue it writes itself (ten bags in two collections, one bag listed in
two shards, a paging cap of 50). Hand one to the sandbox server, which adds its faults:

    store = FixedShopifyStore({"all-bags": [record, ...], "chanel": [...]}, page_cap=50)
    with SandboxServer(FixedMarket(), replicas={"rebag": store}) as sandbox:
        sandbox.set_faults("rebag", status_sequence=[500], only_path="/products.json", only_page=2)

It answers as Shopify does (sandbox/replicas/shopify.py): `/collections/<handle>.json`
(`products_count`), `/collections/<handle>/products.json?limit=&page=` (limit clamped to 250,
HTTP 400 past `page * limit > page_cap`, `{"products": []}` past the end), Shopify's robots.txt,
and a JSON 404 for anything else. Records are served as given, in the order given.

A store that moves while it is paged (a product published at the top, one sold behind the
cursor) takes a second catalogue, served from the moment the first page of a listing was
answered, pages and counts alike:

    FixedShopifyStore({"all-bags": before}, after_first_page={"all-bags": [new, *before]})

(The `shift` and `hide` faults of sandbox/server.py move a replica's pages the same way, without
a second catalogue.)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.replicas import SandboxRequest, SandboxResponse
from sandbox.replicas.shopify import PAGE_CAP, PAGE_CAP_ERROR, ROBOTS_TXT, paging

Catalogue = Mapping[str, Sequence[dict[str, Any]]]


class FixedShopifyStore:
    def __init__(self, collections: Catalogue, page_cap: int = PAGE_CAP, counts: Mapping[str, int] | None = None,
                 *, after_first_page: Catalogue | None = None, counts_after: Mapping[str, int] | None = None) -> None:
        """`counts`: the `products_count` a collection claims, where it is not its number of records
        (a count the lake cannot store, a count that disagrees with the pages). `after_first_page`:
        the catalogue served once page 1 of any listing was answered (`counts_after` its claims)."""
        self.page_cap = page_cap
        self._before = _served(collections, counts)
        self._after = _served(after_first_page, counts_after) if after_first_page is not None else None
        self.first_page_served = False

    @property
    def collections(self) -> dict[str, list[dict[str, Any]]]:
        """The records served now."""
        return self._now()[0]

    @property
    def counts(self) -> dict[str, int]:
        """The `products_count` claimed now."""
        return self._now()[1]

    def _now(self) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
        return self._after if self._after is not None and self.first_page_served else self._before

    def respond(self, request: SandboxRequest) -> SandboxResponse:
        path = request.path
        if path == "/robots.txt":
            return SandboxResponse.text(ROBOTS_TXT.format(sitemap_url=f"http://{request.host}/sitemap.xml"))
        match = re.fullmatch(r"/collections/([^/]+)/products\.json", path)
        if match:
            return self._products(request, match.group(1))
        match = re.fullmatch(r"/collections/([^/]+)\.json", path)
        if match and match.group(1) in self.collections:
            handle = match.group(1)
            return SandboxResponse.json({"collection": {"handle": handle, "products_count": self.counts[handle]}})
        return SandboxResponse.not_found()

    def _products(self, request: SandboxRequest, handle: str) -> SandboxResponse:
        if handle not in self.collections:
            return SandboxResponse.not_found()
        limit, page = paging(request)
        if page * limit > self.page_cap:
            return SandboxResponse.json(PAGE_CAP_ERROR, status=400)
        products = self.collections[handle][(page - 1) * limit : page * limit]
        self.first_page_served = self.first_page_served or page == 1
        return SandboxResponse.json({"products": products})


def _served(collections: Catalogue, counts: Mapping[str, int] | None) -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
    records = {handle: list(listed) for handle, listed in collections.items()}
    return records, {handle: len(listed) for handle, listed in records.items()} | dict(counts or {})
