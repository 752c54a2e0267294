"""Resale Radar's Scrapy project: spiders (crawl), parsers (parse), pipelines (lake)."""
