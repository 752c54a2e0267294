"""Prefect flows that run Resale Radar: crawl, transform, alert."""
