"""Shopify spiders against local servers: paging, sharding past the cap, completeness marking
(dropped page, 500, 429 + Retry-After, challenge page), non-bags skipped, a 4th store by
config only, argument validation, and (slow) the sandbox replicas end to end.

The fast tests serve a fixed catalogue through the sandbox server (`FixedShopifyStore` behind
`SandboxServer`, faults by `set_faults`), the slow ones the simulated market.

Each crawl runs `python -m scrapy crawl` in a subprocess (Scrapy's reactor runs once per
process) with the lead's CrawlReport writing the final stats to a JSON file. The fixed store
enforces Shopify's paging rules with a small cap (the config's `paging` makes the spider use
the same cap), so sharding is tested in seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from sandbox.fixed_market import FixedMarket
from sandbox.replicas.fixed_store import FixedShopifyStore
from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "crawlers" / "marketplaces.yaml"
PAGE = 10  # page size in these tests
CAP = 50  # the store's (and the spider's) paging cap
MARKETPLACE = "rebag"  # the sandbox server's key for the fixed store (any spider may crawl it)


# ---------------------------------------------------------------- a fixed Shopify catalogue


def product(pid: int, brand: str = "Chanel", bag: bool = True, available: bool = True) -> dict:
    tags = ["item-type-handbag", "handbag", "all-bags", "bc-filter-Excellent", "meta-model-classic-flap"] if bag \
        else ["item-type-shoes", "bc-filter-Great", "meta-model-ballet-flats"]
    return {
        "id": 9_100_000_000_000 + pid,
        "title": f"Classic Flap Bag Quilted Caviar Medium {pid}" if bag else f"Ballet Flats Leather {pid}",
        "handle": f"handbags-{brand.lower()}-{pid}",
        "body_html": "<p><b>Condition:</b> Excellent. Fine.<br><b>Exterior Color:</b> Black <br></p>",
        "published_at": "2026-08-15T03:55:12-04:00",
        "vendor": brand,
        "product_type": "Shoulder bags" if bag else "Shoes",
        "tags": tags,
        "variants": [{"id": 47_000_000_000_000 + pid, "price": f"{1000 + pid}.00", "compare_at_price": None,
                      "available": available, "option1": "Great | Item # 1/1", "option2": "black", "sku": f"{pid}/1"}],
        "images": [],
        "options": [],
    }


class Site:
    """A fixed Shopify catalogue served by the sandbox server (its paging cap is the test's CAP)."""

    def __init__(self, collections: dict[str, list[dict]], cap: int = CAP, faults: dict | None = None,
                 counts: dict[str, int] | None = None):
        self.collections = collections
        store = FixedShopifyStore(collections, page_cap=cap, counts=counts)
        self.sandbox = SandboxServer(FixedMarket(), replicas={MARKETPLACE: store})
        self.sandbox.start()
        self.base_url = self.sandbox.base_urls[MARKETPLACE]
        if faults:
            self.sandbox.set_faults(MARKETPLACE, **faults)

    def close(self):
        self.sandbox.stop()

    def page_requests(self, handle: str) -> list[int]:
        pages = []
        for raw, _ in self.sandbox.requests(MARKETPLACE):
            parts = urlsplit(raw)
            if parts.path == f"/collections/{handle}/products.json":
                pages.append(int(parse_qs(parts.query)["page"][0]))
        return pages


def on_page(collection: str, page: int, **faults) -> dict:
    """Sandbox faults that hit only `page` of `collection`'s products.json."""
    return {"only_path": f"/collections/{collection}/products.json", "only_page": page, **faults}


# ---------------------------------------------------------------- running a crawl


def make_config(tmp_path: Path, extra_marketplaces: dict | None = None, **rebag_overrides) -> Path:
    raw = yaml.safe_load(CONFIG.read_text())
    raw["defaults"]["paging"] = {"page_size": PAGE, "max_items_per_collection": CAP}
    raw["marketplaces"]["rebag"].update(rebag_overrides)
    raw["marketplaces"].update(extra_marketplaces or {})
    path = tmp_path / "marketplaces.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


@dataclass
class Crawl:
    returncode: int
    stats: dict
    items: list[dict]
    log: str

    @property
    def reasons(self) -> list[str]:
        return list(self.stats.get("radar/incomplete_reasons") or [])

    @property
    def complete(self) -> bool:
        return not self.reasons


def crawl(tmp_path: Path, spider: str, base_url: str, config: Path | None, *args: str,
          snapshot_date: str = "2026-08-15", settings: dict | None = None, timeout: int = 120) -> Crawl:
    report = tmp_path / f"{spider}-report.json"
    items = tmp_path / f"{spider}-items.jsonl"
    for stale in (report, items):
        stale.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if config is not None:
        env["RADAR_MARKETPLACES_CONFIG"] = str(config)
    command = [
        sys.executable, "-m", "scrapy", "crawl", spider,
        "-a", f"base_url={base_url}", "-a", f"snapshot_date={snapshot_date}",
        "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=2", "-s", "RADAR_RETRY_AFTER_MAX=2",
        "-s", "ITEM_PIPELINES={}", "-s", f"RADAR_REPORT_PATH={report}", "-s", "LOG_LEVEL=INFO",
        "-O", str(items), *args,
    ]
    for key, value in (settings or {}).items():
        command += ["-s", f"{key}={value}"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    stats = json.loads(report.read_text()) if report.exists() else {}
    lines = items.read_text().splitlines() if items.exists() else []
    return Crawl(done.returncode, stats, [json.loads(line) for line in lines if line.strip()], done.stderr)


@pytest.fixture
def servers():
    started: list[Site] = []

    def start(collections, **kwargs) -> Site:
        server = Site(collections, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


# ---------------------------------------------------------------- paging and filtering


def test_pages_until_short_page_and_skips_non_bags(tmp_path, servers):
    catalogue = [product(i) for i in range(22)] + [product(100 + i, bag=False) for i in range(3)]
    site = servers({"all-bags": catalogue})
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert result.returncode == 0, result.log[-3000:]
    assert site.page_requests("all-bags") == [1, 2, 3]  # 10 + 10 + 5: the short page ends it
    assert len(result.items) == 22
    assert result.stats["radar/skipped/non_bag"] == 3
    assert result.stats["radar/expected_count"] == 25
    assert result.complete, result.reasons
    first = result.items[0]
    assert first["marketplace"] == "rebag" and first["snapshot_date"] == "2026-08-15"
    assert first["url"] == f"{site.base_url}/products/{catalogue[0]['handle']}"
    assert first["condition_raw"] == "Excellent"


def test_exact_multiple_of_the_page_size_stops_at_the_empty_page(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(20)]})
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert site.page_requests("all-bags") == [1, 2, 3]
    assert len(result.items) == 20 and result.complete, result.reasons


# ---------------------------------------------------------------- sharding past the cap


def sharded_site(servers, with_unlisted_brand: bool = False) -> Site:
    chanel = [product(i, "Chanel") for i in range(28)] + [product(500 + i, "Chanel", bag=False) for i in range(4)]
    hermes = [product(100 + i, "Hermes") for i in range(22)]
    other = [product(200 + i, "Goyard") for i in range(11)]
    bags = [p for p in chanel + hermes + other if "handbag" in p["tags"]]
    collections = {"all-bags": bags, "chanel": chanel, "hermes": hermes, "other-brands": other}
    if with_unlisted_brand:
        extra = [product(300 + i, "Moynat") for i in range(3)]
        collections["all-bags"] = bags + extra
        collections["moynat-unlisted"] = extra
    # one bag listed in two shards: deduplicated
    collections["other-brands"] = other + [hermes[0]]
    return servers(collections)


def test_collection_past_the_cap_is_sharded_and_crawled_completely(tmp_path, servers):
    site = sharded_site(servers)
    assert len(site.collections["all-bags"]) == 61 > CAP
    config = make_config(tmp_path, shards=["chanel", "hermes", "other-brands"])
    result = crawl(tmp_path, "rebag", site.base_url, config)
    assert result.returncode == 0, result.log[-3000:]
    assert site.page_requests("all-bags") == []  # never paged past the cap
    assert sorted(site.page_requests("chanel")) == [1, 2, 3, 4]
    ids = [item["listing_id"] for item in result.items]
    assert len(ids) == len(set(ids)) == 61
    assert result.stats["radar/skipped/duplicate"] == 1
    assert result.stats["radar/skipped/non_bag"] == 4
    assert result.stats["radar/expected_count"] == 61
    assert result.stats["radar/sharded/all-bags/bags_found"] == 61
    assert "downloader/response_status_count/400" not in result.stats
    assert result.complete, result.reasons


def test_shards_that_miss_bags_make_the_snapshot_incomplete(tmp_path, servers):
    site = sharded_site(servers, with_unlisted_brand=True)
    config = make_config(tmp_path, shards=["chanel", "hermes", "other-brands"])
    result = crawl(tmp_path, "rebag", site.base_url, config)
    assert len(result.items) == 61
    assert any("shards hold 61 of 64 bags" in reason for reason in result.reasons), result.reasons


def test_a_shard_over_the_cap_is_crawled_to_the_cap_and_reported(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(60)]})
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path, shards=[]))
    assert len(result.items) == CAP
    assert max(site.page_requests("all-bags")) == CAP // PAGE
    assert any("no shards configured" in reason for reason in result.reasons), result.reasons


# ---------------------------------------------------------------- completeness faults


def test_dropped_page_marks_the_snapshot_incomplete(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(35)]},
                   faults={"drop_page": 2, "drop_collection": "all-bags", "drop_mode": "empty"})
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert len(result.items) == 10  # the empty page 2 looks like the end: the count says otherwise
    assert any("received 10 of 35" in reason for reason in result.reasons), result.reasons


def test_persistent_500_marks_incomplete_and_the_crawl_goes_on(tmp_path, servers):
    faults = on_page("all-bags", 2, status_sequence=[500, 500, 500])
    site = servers({"all-bags": [product(i) for i in range(35)]}, faults=faults)
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert site.page_requests("all-bags").count(2) == 3  # first try + RETRY_TIMES=2
    assert len(result.items) == 25  # pages 1, 3, 4
    assert any("page 2 failed" in reason for reason in result.reasons), result.reasons
    assert any("pages [2] missing" in reason for reason in result.reasons), result.reasons


def test_500_then_success_is_complete(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(15)]}, faults=on_page("all-bags", 1, status_sequence=[500]))
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert len(result.items) == 15 and result.complete, result.reasons


def test_429_with_retry_after_is_waited_for_and_retried(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(15)]},
                   faults=on_page("all-bags", 1, status_sequence=[429, 429], retry_after=1))
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert len(result.items) == 15
    assert result.stats["radar/retry_after/count"] == 2
    assert result.stats["radar/retry_after/waited_seconds"] == pytest.approx(2.0)
    assert result.stats.get("radar/blocked_count", 0) == 0
    assert result.complete, result.reasons


def test_429_after_all_retries_is_blocked_not_empty(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(15)]},
                   faults=on_page("all-bags", 1, status_sequence=[429] * 10, retry_after=0))
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert result.stats["radar/blocked_count"] == 1
    assert any("blocked: HTTP 429 after retries" in reason for reason in result.reasons), result.reasons
    assert not result.complete


def test_403_is_blocked(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(15)]}, faults=on_page("all-bags", 1, status_sequence=[403] * 5))
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert result.stats["radar/blocked_count"] == 1
    assert any("HTTP 403" in reason for reason in result.reasons), result.reasons


def test_challenge_page_is_blocked_never_an_empty_catalogue(tmp_path, servers):
    site = servers({"all-bags": [product(i) for i in range(15)]},
                   faults=on_page("all-bags", 1, challenge="cloudflare", challenge_status=200))
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert site.page_requests("all-bags").count(1) == 2  # retried once (RADAR_CHALLENGE_RETRIES)
    assert result.stats["radar/blocked_count"] == 1
    assert any("challenge page" in reason for reason in result.reasons), result.reasons
    assert result.items == [] or len(result.items) == 5  # page 2 (the short tail) may still arrive
    assert not result.complete


# ---------------------------------------------------------------- config stores and arguments


def test_a_fourth_store_is_a_config_entry_only(tmp_path, servers):
    site = servers({"bags": [product(i, "Celine") for i in range(12)]})
    store = {"lovethatbag": {
        "kind": "shopify_store", "base_url": "https://lovethatbag.example", "currency": "USD",
        "collections": ["bags"], "fields": {"brand": {"from": "vendor"}, "model": {"from": "title_after_brand"},
                                            "condition": {"from": "body_label", "label": "Condition"},
                                            "color": {"from": "body_label", "label": "Exterior Color"}},
    }}
    config = make_config(tmp_path, extra_marketplaces=store)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RADAR_MARKETPLACES_CONFIG": str(config)}
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "lovethatbag" in listed.stdout.split(), listed.stderr[-2000:]
    result = crawl(tmp_path, "lovethatbag", site.base_url, config)
    assert len(result.items) == 12 and result.complete, result.reasons
    assert {item["brand_raw"] for item in result.items} == {"Celine"}
    assert {item["condition_raw"] for item in result.items} == {"Excellent"}
    assert {item["color_raw"] for item in result.items} == {"Black"}
    assert result.items[0]["currency"] == "USD"


def test_bad_snapshot_date_fails_with_a_clear_message(tmp_path, servers):
    site = servers({"all-bags": []})
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path), snapshot_date="2026-13-01")
    assert "snapshot_date must be YYYY-MM-DD" in result.log
    assert result.items == []


def test_bad_base_url_fails_with_a_clear_message(tmp_path):
    result = crawl(tmp_path, "rebag", "ftp://example.com/x", make_config(tmp_path))
    assert "base_url must be http(s)://host[:port]" in result.log


def test_per_site_politeness_comes_from_config():
    from scrapy.settings import Settings

    from crawlers.spiders.rebag import RebagSpider

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    RebagSpider.update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 2.0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert "scrapy_playwright" not in json.dumps(settings.getdict("DOWNLOAD_HANDLERS"))
    sandbox = Settings()
    sandbox.setmodule("crawlers.settings", priority="project")
    sandbox.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    RebagSpider.update_settings(sandbox)
    assert sandbox.getfloat("DOWNLOAD_DELAY") == 0 and sandbox.getbool("AUTOTHROTTLE_ENABLED") is False


# ---------------------------------------------------------------- the sandbox replicas (slow)


@pytest.mark.slow
@pytest.mark.parametrize("marketplace", ["rebag", "vsp", "dct", "treasures", "madison"])
def test_sandbox_replica_crawl_counts_the_bags_for_sale(tmp_path, marketplace):
    market_module = pytest.importorskip("sandbox.market")
    server_module = pytest.importorskip("sandbox.server")
    day = date(2026, 9, 3)
    market = market_module.Market(seed=11, start_date=date(2026, 9, 1), scale=0.05)
    with server_module.SandboxServer(market, [marketplace]) as sandbox:
        sandbox.set_day(day)
        visible = market.visible(marketplace, day)
        result = crawl(tmp_path, marketplace, sandbox.base_urls[marketplace], None, snapshot_date=day.isoformat(),
                       timeout=600)
    bags = {str(state.listing.listing_id) for state in visible if state.listing.is_bag}
    assert result.returncode == 0, result.log[-3000:]
    assert result.complete, result.reasons
    assert {item["listing_id"] for item in result.items} == bags
    assert all(item["brand_raw"] and item["condition_raw"] for item in result.items)


def test_a_configured_shard_the_site_lacks_is_not_a_gap_when_coverage_holds(tmp_path, servers):
    site = sharded_site(servers)
    config = make_config(tmp_path, shards=["chanel", "hermes", "no-such-brand", "other-brands"])
    result = crawl(tmp_path, "rebag", site.base_url, config)
    assert len(result.items) == 61
    assert result.stats["radar/shards_absent"] == 1
    assert result.complete, result.reasons


def test_a_missing_primary_collection_is_a_gap(tmp_path, servers):
    site = servers({"other": [product(1)]})
    result = crawl(tmp_path, "rebag", site.base_url, make_config(tmp_path))
    assert result.items == []
    assert any("collection all-bags" in reason for reason in result.reasons), result.reasons
    assert not result.complete


@pytest.mark.slow
def test_sandbox_rebag_with_more_than_25000_bags_is_crawled_completely(tmp_path):
    """Issue 3 acceptance: a store past Shopify's 25,000 paging cap (about 1.5 minutes)."""
    market_module = pytest.importorskip("sandbox.market")
    server_module = pytest.importorskip("sandbox.server")
    day = date(2026, 9, 1)
    market = market_module.Market(seed=3, start_date=day, scale=8.5)
    with server_module.SandboxServer(market, ["rebag"]) as sandbox:
        visible = market.visible("rebag", day)
        bags = {str(state.listing.listing_id) for state in visible if state.listing.is_bag}
        assert len(bags) > 25_000
        result = crawl(tmp_path, "rebag", sandbox.base_urls["rebag"], None, snapshot_date=day.isoformat(),
                       settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 4}, timeout=900)
    assert result.complete, result.reasons[:10]
    assert result.stats["radar/expected_count"] == len(bags)
    assert result.stats["radar/sharded/all-bags/bags_found"] == len(bags)
    assert {item["listing_id"] for item in result.items} == bags


SANDBOX_FAULTS = [
    # (fault switches, complete?, stat that must be set)
    ({"drop_page": 2, "drop_mode": "short"}, False, None),
    ({"drop_page": 2, "drop_mode": "empty"}, False, None),
    ({"status_sequence": [500] * 6, "only_path": "products.json"}, False, None),
    ({"status_sequence": [500], "only_path": "products.json"}, True, "retry/count"),
    ({"status_sequence": [429, 429], "retry_after": 1, "only_path": "products.json"}, True, "radar/retry_after/count"),
    ({"status_sequence": [429] * 6, "retry_after": 0, "only_path": "products.json"}, False, "radar/blocked_count"),
    ({"challenge": "cloudflare", "only_path": "products.json"}, False, "radar/blocked_count"),
    ({"challenge": "captcha", "only_path": "products.json"}, False, "radar/blocked_count"),
    ({"challenge": "403", "challenge_after": 3}, False, "radar/blocked_count"),
]


@pytest.mark.slow
@pytest.mark.parametrize("faults, complete, stat", SANDBOX_FAULTS, ids=[str(f[0]) for f in SANDBOX_FAULTS])
def test_sandbox_faults_give_an_incomplete_snapshot_or_a_complete_one_after_retries(tmp_path, faults, complete, stat):
    market_module = pytest.importorskip("sandbox.market")
    server_module = pytest.importorskip("sandbox.server")
    day = date(2026, 9, 1)
    market = market_module.Market(seed=11, start_date=day, scale=0.05)
    raw = yaml.safe_load(CONFIG.read_text())
    raw["defaults"]["paging"] = {"page_size": 50, "max_items_per_collection": 25000}
    config = tmp_path / "marketplaces.yaml"
    config.write_text(yaml.safe_dump(raw, allow_unicode=True))
    with server_module.SandboxServer(market, ["rebag"]) as sandbox:
        bags = {str(s.listing.listing_id) for s in market.visible("rebag", day) if s.listing.is_bag}
        assert len(bags) > 100  # several pages of 50
        sandbox.set_faults("rebag", **faults)
        result = crawl(tmp_path, "rebag", sandbox.base_urls["rebag"], config, snapshot_date=day.isoformat())
    assert result.returncode == 0
    assert result.complete is complete, result.reasons
    if complete:
        assert {item["listing_id"] for item in result.items} == bags
    else:
        assert len(result.items) < len(bags)  # a gap, and it is reported, never silent
    if stat:
        assert result.stats.get(stat, 0) >= 1
