"""Resale Radar's core: settings (settings.py), the lake (lake.py, lease.py), the item contract
(items.py) and text helpers (text.py). Crawlers, transformations, flows and the CLI import it;
it imports none of them (tests/test_import_layers.py)."""
