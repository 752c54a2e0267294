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
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.replicas import SandboxRequest, SandboxResponse
from sandbox.replicas.shopify import PAGE_CAP, PAGE_CAP_ERROR, ROBOTS_TXT, paging


class FixedShopifyStore:
    def __init__(self, collections: Mapping[str, Sequence[dict[str, Any]]], page_cap: int = PAGE_CAP,
                 counts: Mapping[str, int] | None = None) -> None:
        """`counts`: the `products_count` a collection claims, where it is not its number of records
        (a count the lake cannot store, a count that disagrees with the pages)."""
        self.collections = {handle: list(records) for handle, records in collections.items()}
        self.page_cap = page_cap
        self.counts = {handle: len(records) for handle, records in self.collections.items()} | dict(counts or {})

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
        return SandboxResponse.json({"products": self.collections[handle][(page - 1) * limit : page * limit]})
