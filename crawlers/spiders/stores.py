"""Generic Shopify resellers: one spider class per `kind: shopify_store` config entry.

    scrapy crawl dct -a base_url=http://127.0.0.1:PORT -a snapshot_date=YYYY-MM-DD

The classes are generated from crawlers/marketplaces.yaml (or the file named by the env
RADAR_MARKETPLACES_CONFIG) when Scrapy's spider loader imports this module, so adding a
store is a config entry, not code. Fields are found by the entry's `fields` rules
(crawlers/parsers/stores.py).
"""

from __future__ import annotations

from typing import Any

from crawlers.config import load_config
from crawlers.parsers.stores import StoreProduct
from crawlers.spiders.shopify import ShopifySpider


class StoreSpider(ShopifySpider):
    """Base of the generated store spiders (no `name`: the loader skips it)."""

    product_class = StoreProduct

    def make_product(self, product: dict[str, Any]) -> StoreProduct:
        return StoreProduct(
            product,
            base_url=self.base_url,
            currency=self.market.currency,
            product_path=self.market.product_path,
            bag_filter=self.market.bag_filter,
            fields=self.market.fields,
            title_brands=self.market.title_brands,
        )


def store_spider_class(key: str) -> type[StoreSpider]:
    class_name = "".join(part.capitalize() for part in key.split("_")) + "StoreSpider"
    return type(class_name, (StoreSpider,), {"name": key, "__module__": __name__,
                                             "__doc__": f"Config store {key!r} (crawlers/marketplaces.yaml)."})


def build_store_spiders(path: str | None = None) -> dict[str, type[StoreSpider]]:
    return {key: store_spider_class(key) for key in load_config(path).of_kind("shopify_store")}


STORE_SPIDERS = build_store_spiders()  # a bad config fails loudly here, naming the file
globals().update({cls.__name__: cls for cls in STORE_SPIDERS.values()})
