"""Spiders decide what to fetch; parsing lives in crawlers/parsers.

Spider names are marketplace keys (crawlers/marketplaces.yaml): rebag, vsp, fashionphile,
and one generated class per config store (crawlers/spiders/stores.py).
"""
