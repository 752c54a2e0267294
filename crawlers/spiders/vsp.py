"""VSP Consignment (vspconsignment.com): the `handbags` collection, CAD, bags only.

    scrapy crawl vsp -a base_url=http://127.0.0.1:PORT -a snapshot_date=YYYY-MM-DD

Targets in crawlers/marketplaces.yaml; parsing in crawlers/parsers/vsp.py.
"""

from __future__ import annotations

from crawlers.parsers.vsp import VspProduct
from crawlers.spiders.shopify import ShopifySpider


class VspSpider(ShopifySpider):
    name = "vsp"
    product_class = VspProduct
