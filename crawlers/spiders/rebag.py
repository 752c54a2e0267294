"""Rebag (shop.rebag.com): `all-bags`, sharded by brand collections past the 25,000 cap.

    scrapy crawl rebag -a base_url=http://127.0.0.1:PORT -a snapshot_date=YYYY-MM-DD

Targets (collections, shards, politeness) are in crawlers/marketplaces.yaml; parsing in
crawlers/parsers/rebag.py.
"""

from __future__ import annotations

from crawlers.parsers.rebag import RebagProduct
from crawlers.spiders.shopify import ShopifySpider


class RebagSpider(ShopifySpider):
    name = "rebag"
    product_class = RebagProduct
