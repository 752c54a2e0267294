"""Resale Radar: daily snapshots of luxury handbag resale marketplaces, and the trends in them."""
