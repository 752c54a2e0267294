"""Crawl targets (issue 11, findings 4 and 5): live crawls reach http(s) on public addresses only,
never carry credentials in their URL, and stay on the target's own site.

- the address rule over a table of URLs, with RADAR_ALLOW_PRIVATE_TARGETS off and on, through
  the marketplace config (crawlers/config.py) and the `-a base_url=` spider argument;
- a host name is resolved at the start of the crawl: a name resolving to a private address is
  refused, a name that does not resolve fails the crawl (getaddrinfo is replaced here: no DNS);
- redirects and requests stay on the target's site: two sites of the sandbox server on 127.0.0.1
  (a target whose `redirect_to` fault answers 302 to the other one's `/latest/meta-data/`, and
  the Rebag replica as that other one); the second site is never asked and the manifest says
  why; the ECB fetch likewise (the sandbox's ECB feed redirecting);
- a planted password in `-a base_url=http://u:pw@127.0.0.1:PORT` is refused before any request
  and appears in no error text, log file, report or lake file.

Network: 127.0.0.1 only. The test session sets RADAR_ALLOW_PRIVATE_TARGETS=true (tests/conftest.py);
the tests here set it explicitly, in the environment of each crawl subprocess too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from crawlers.config import ConfigError, load_config, validate_base_url
from radar.settings import RadarSettings, get_settings
from sandbox.fixed_market import FixedMarket
from sandbox.market import Market
from sandbox.replicas.fixed_store import FixedShopifyStore
from sandbox.server import FX_SITE, SandboxServer

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 9, 5)

# (url, allowed with RADAR_ALLOW_PRIVATE_TARGETS off, allowed with it on)
TARGETS = [
    ("https://shop.rebag.com", True, True),
    ("http://8.8.8.8", True, True),
    ("https://[2606:4700::1111]:8443", True, True),
    # loopback and private: the sandbox and tests only
    ("http://127.0.0.1:8000", False, True),
    ("http://127.9.9.9", False, True),
    ("http://localhost:8000", False, True),
    ("http://LOCALHOST.", False, True),
    ("http://shop.localhost", False, True),
    ("http://[::1]:8000", False, True),
    ("http://[::ffff:127.0.0.1]", False, True),
    ("http://10.0.0.5", False, True),
    ("http://172.16.3.4", False, True),
    ("http://172.31.255.1", False, True),
    ("http://192.168.1.1", False, True),
    ("http://100.64.0.1", False, True),  # CGNAT
    ("http://[fd12:3456::1]", False, True),
    # never: the cloud metadata service, link-local, unspecified, multicast, reserved
    ("http://169.254.169.254", False, False),
    ("http://169.254.169.254/", False, False),
    ("http://[fe80::1]", False, False),
    ("http://[fd00:ec2::254]", False, False),  # AWS metadata over IPv6
    ("http://100.100.100.200", False, False),  # Alibaba Cloud metadata
    ("http://0.0.0.0:8000", False, False),
    ("http://[::]", False, False),
    ("http://224.0.0.1", False, False),
    ("http://[ff02::1]", False, False),
    ("http://240.0.0.1", False, False),
    ("http://255.255.255.255", False, False),
    ("http://[2002:7f00:1::]", False, False),  # 6to4 around 127.0.0.1
    ("http://[64:ff9b::a9fe:a9fe]", False, False),  # NAT64 around 169.254.169.254
    # numeric forms of 127.0.0.1 that some resolvers read as an address
    ("http://2130706433", False, False),
    ("http://0x7f000001", False, False),
    ("http://0177.0.0.1", False, False),
    ("http://127.1", False, False),
    ("http://0x7f.0.0.1", False, False),
    # not http(s), a path, credentials
    ("ftp://shop.rebag.com", False, False),
    ("file:///etc/passwd", False, False),
    ("https://shop.rebag.com/collections", False, False),
    ("http://user:hunter2@127.0.0.1:8000", False, False),
    ("https://user:hunter2@shop.rebag.com", False, False),
    ("https://user@shop.rebag.com", False, False),
]


@pytest.fixture
def private_targets(monkeypatch):
    """Set RADAR_ALLOW_PRIVATE_TARGETS for this test (the session default is true)."""

    def set_to(allowed: bool) -> None:
        monkeypatch.setenv("RADAR_ALLOW_PRIVATE_TARGETS", "true" if allowed else "false")
        get_settings.cache_clear()

    yield set_to
    get_settings.cache_clear()


def shopify_config(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "marketplaces.yaml"
    path.write_text(yaml.safe_dump({"marketplaces": {"somestore": {
        "kind": "shopify_store", "base_url": base_url, "currency": "USD", "collections": ["bags"],
        "fields": {"brand": {"from": "vendor"}},
    }}}))
    return path


@pytest.mark.parametrize("allowed_private", [False, True], ids=["private-off", "private-on"])
@pytest.mark.parametrize(("url", "when_off", "when_on"), TARGETS, ids=[t[0] for t in TARGETS])
def test_base_url_rule_over_the_table(url, when_off, when_on, allowed_private, private_targets, tmp_path):
    private_targets(allowed_private)
    expected = when_on if allowed_private else when_off
    config = shopify_config(tmp_path, url)
    if expected:
        assert validate_base_url(url) == url.rstrip("/")
        assert load_config(config)["somestore"].base_url == url.rstrip("/")
        return
    with pytest.raises(ValueError) as refused:
        validate_base_url(url)
    with pytest.raises(ConfigError) as config_refused:
        load_config(config)
    for error in (refused.value, config_refused.value):
        assert "hunter2" not in str(error)
        assert "base_url" in str(error)
    if "@" in url:
        assert "credentials" in str(refused.value)


def test_loopback_refusal_names_the_setting(private_targets):
    private_targets(False)
    with pytest.raises(ValueError, match="RADAR_ALLOW_PRIVATE_TARGETS"):
        validate_base_url("http://127.0.0.1:8000")
    with pytest.raises(ValueError, match=r"metadata|link-local"):
        validate_base_url("http://169.254.169.254")


def fake_resolver(answers: dict[str, list[str]]):
    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                for a in answers[host]]
    return getaddrinfo


def test_host_names_are_resolved_and_every_address_checked(monkeypatch, private_targets):
    from crawlers.targets import TargetError, check_resolved

    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver({
        "shop.example.com": ["93.184.216.34", "2606:2800:220:1::1"],
        "intranet.example.com": ["10.1.2.3"],
        "sneaky.example.com": ["93.184.216.34", "169.254.169.254"],
        "rebinding.example.com": ["::ffff:127.0.0.1"],
    }))
    private_targets(False)
    assert check_resolved("https://shop.example.com") == ["93.184.216.34", "2606:2800:220:1::1"]
    for url in ("https://intranet.example.com", "https://sneaky.example.com", "https://rebinding.example.com"):
        with pytest.raises(TargetError, match="resolves to"):
            check_resolved(url)
    with pytest.raises(TargetError, match="does not resolve"):
        check_resolved("https://no-such-host.example.com")
    private_targets(True)
    assert check_resolved("https://intranet.example.com") == ["10.1.2.3"]
    with pytest.raises(TargetError, match="resolves to"):
        check_resolved("https://sneaky.example.com")  # the metadata service: never


def test_the_spider_resolves_its_target_when_it_starts(monkeypatch, private_targets):
    from scrapy.utils.test import get_crawler

    from crawlers.spiders.rebag import RebagSpider
    from crawlers.targets import TargetError

    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver({"shop.rebag.com": ["10.0.0.9"]}))
    private_targets(False)
    with pytest.raises(TargetError, match=r"shop.rebag.com resolves to 10.0.0.9"):
        RebagSpider.from_crawler(get_crawler(RebagSpider), snapshot_date=DAY.isoformat())
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver({}))
    with pytest.raises(TargetError, match="does not resolve"):
        RebagSpider.from_crawler(get_crawler(RebagSpider), snapshot_date=DAY.isoformat())
    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver({"shop.rebag.com": ["151.101.1.1"]}))
    spider = RebagSpider.from_crawler(get_crawler(RebagSpider), snapshot_date=DAY.isoformat())
    assert spider.base_url == "https://shop.rebag.com"


@pytest.mark.parametrize(("origin", "url", "same"), [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000/collections/bags.json", True),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8001/latest/meta-data/", False),
    ("http://127.0.0.1:8000", "http://localhost:8000/x", False),
    ("https://shop.rebag.com", "https://shop.rebag.com:443/x", True),
    ("https://shop.rebag.com", "https://www.shop.rebag.com/x", True),
    ("https://www.fashionphile.com", "https://fashionphile.com/x", True),
    ("http://fashionphile.com", "https://www.fashionphile.com/x", True),  # http -> https, same site
    ("https://fashionphile.com", "http://fashionphile.com/x", False),  # no downgrade
    ("http://fashionphile.com", "https://fashionphile.com:8443/x", False),
    ("https://shop.rebag.com", "https://rebag.com/x", False),
    ("https://shop.rebag.com", "https://evil.shop.rebag.com/x", False),
    ("https://shop.rebag.com", "https://shop.rebag.com.evil.com/x", False),
    ("https://shop.rebag.com", "https://u:p@shop.rebag.com/x", False),
    ("https://shop.rebag.com", "ftp://shop.rebag.com/x", False),
    ("https://shop.rebag.com", "https://169.254.169.254/latest/meta-data/", False),
])
def test_same_site_rule(origin, url, same):
    from crawlers.targets import same_site

    assert same_site(origin, url) is same


def test_the_middleware_refuses_any_request_off_the_target_site(private_targets):
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from crawlers.middlewares import TargetSiteMiddleware
    from crawlers.spiders.rebag import RebagSpider

    private_targets(True)
    crawler = get_crawler(RebagSpider)
    crawler.spider = RebagSpider.from_crawler(crawler, base_url="http://127.0.0.1:8000", snapshot_date=DAY.isoformat())
    crawler.stats.open_spider()
    middleware = TargetSiteMiddleware.from_crawler(crawler)
    assert middleware.process_request(Request("http://127.0.0.1:8000/products/a.js")) is None
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://127.0.0.1:8001/products/a.js", dont_filter=True))
    redirected = Request("http://127.0.0.1:8001/latest/meta-data/",
                         meta={"redirect_urls": ["http://127.0.0.1:8000/collections/bags.json"]})
    with pytest.raises(IgnoreRequest):
        middleware.process_request(redirected)
    stats = crawler.stats.get_stats()
    assert stats["radar/skipped/offsite_request"] == 1
    assert stats["radar/skipped/offsite_redirect"] == 1
    assert any("127.0.0.1:8001" in r for r in stats["radar/incomplete_reasons"])


# ------------------------------------------------------------------ crawls in a subprocess


@pytest.fixture
def sites() -> Iterator[SandboxServer]:
    """Two plain sites on 127.0.0.1 behind the sandbox server, `site` and `other` (stores with no
    collections: Shopify's robots.txt, a 404 for anything else), and its ECB feed (`FX_SITE`)."""
    stores = {"site": FixedShopifyStore({}), "other": FixedShopifyStore({})}
    with SandboxServer(FixedMarket(day=DAY), replicas=stores) as sandbox:
        yield sandbox


def asked(sandbox: SandboxServer, site: str) -> list[str]:
    """The paths a site of the sandbox was asked, oldest first."""
    return [path for path, _status in sandbox.requests(site)]


def scrapy_crawl(tmp_path: Path, spider: str, base_url: str, *, allow_private: bool,
                 pythonpath: str = str(ROOT)) -> dict:
    lake, log, report = tmp_path / "lake", tmp_path / "scrapy.log", tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": pythonpath, "RADAR_LAKE_URL": str(lake),
           "RADAR_ALLOW_PRIVATE_TARGETS": "true" if allow_private else "false"}
    env.pop("RADAR_MARKETPLACES_CONFIG", None)
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"base_url={base_url}",
               "-a", f"snapshot_date={DAY.isoformat()}", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_TIMES=1",
               "-s", f"RADAR_REPORT_PATH={report}", "-s", f"LOG_FILE={log}", "-s", "LOG_LEVEL=DEBUG"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    return {"returncode": done.returncode, "output": done.stdout + done.stderr,
            "log": log.read_text(errors="replace") if log.exists() else "",
            "report": json.loads(report.read_text()) if report.exists() else None, "lake": lake}


def every_file_text(root: Path) -> str:
    if not root.exists():
        return ""
    return "\n".join(p.read_bytes().decode("latin-1") for p in root.rglob("*") if p.is_file())


def test_credentials_in_the_base_url_are_refused_before_any_request(tmp_path, sites):
    planted = f"pw-{uuid.uuid4().hex}"
    result = scrapy_crawl(tmp_path, "rebag", sites.base_urls["site"].replace("http://", f"http://radar:{planted}@"),
                          allow_private=True)
    assert asked(sites, "site") == []
    assert result["report"] is None or not result["report"].get("radar/manifest")
    assert "must not carry credentials" in result["output"] + result["log"]
    for where in (result["output"], result["log"], json.dumps(result["report"]), every_file_text(result["lake"])):
        assert planted not in where


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}", "http://localhost:{port}", "http://2130706433:{port}"])
def test_a_loopback_base_url_is_refused_without_the_setting(tmp_path, sites, target):
    port = sites.base_urls["site"].rsplit(":", 1)[1]
    result = scrapy_crawl(tmp_path, "rebag", target.format(port=port), allow_private=False)
    assert asked(sites, "site") == []
    assert "base_url" in result["output"] + result["log"] and "refused" in result["output"] + result["log"]
    assert not result["lake"].exists() or not any(result["lake"].rglob("*.parquet"))


def test_a_redirect_to_another_server_is_never_followed(tmp_path):
    """The target answers 302 to the Rebag replica's /latest/meta-data/ (on another port of the
    sandbox): the replica is never asked."""
    with SandboxServer(Market(seed=7, start_date=DAY, scale=0.05), ["rebag"],
                       replicas={"target": FixedShopifyStore({})}) as sandbox:
        sandbox.set_day(DAY)
        other = sandbox.base_urls["rebag"]
        sandbox.set_faults("target", redirect_to=f"{other}/latest/meta-data/iam/security-credentials/")
        result = scrapy_crawl(tmp_path, "rebag", sandbox.base_urls["target"], allow_private=True)
        assert sandbox.requests("rebag") == []
        assert any(path.startswith("/collections/") and status == 302 for path, status in sandbox.requests("target"))
    report = result["report"]
    assert report["radar/skipped/offsite_redirect"] >= 1
    manifest = report["radar/manifest"]
    assert manifest["complete"] is False
    assert any("redirect" in reason and "refused" in reason for reason in manifest["incomplete_reasons"]), manifest
    written = json.loads(next(result["lake"].rglob("_manifest.json")).read_text())
    assert written["complete"] is False and any("redirect" in r for r in written["incomplete_reasons"])


def test_a_crawl_of_the_replica_on_its_own_site_is_untouched(tmp_path):
    """Every request to the target's own site goes through: the crawl is whole and complete."""
    with SandboxServer(Market(seed=7, start_date=DAY, scale=0.05), ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        result = scrapy_crawl(tmp_path, "rebag", sandbox.base_urls["rebag"], allow_private=True)
    manifest = result["report"]["radar/manifest"]
    assert manifest["complete"] is True, manifest["incomplete_reasons"]
    assert "radar/skipped/offsite_redirect" not in result["report"]


# ------------------------------------------------------------------ the ECB fetch


def test_the_ecb_fetch_refuses_private_targets_credentials_and_cross_host_redirects(tmp_path, sites):
    """The sandbox's ECB feed answers 302 to another site's /latest/meta-data/."""
    from crawlers.ecb_rates import FxFetchError, fetch_fx_rates

    sites.set_faults(FX_SITE, redirect_to=f"{sites.base_urls['other']}/latest/meta-data/")
    feed = sites.fx_base_url
    assert feed is not None and feed.endswith("/stats/eurofxref/")
    lake = tmp_path / "lake"
    public_only = RadarSettings(lake_url=str(lake), allow_private_targets=False)
    sandbox = RadarSettings(lake_url=str(lake), allow_private_targets=True)
    with pytest.raises(FxFetchError, match="RADAR_ALLOW_PRIVATE_TARGETS"):
        fetch_fx_rates(DAY, "hist-90d", base_url=feed, settings=public_only)
    with pytest.raises(FxFetchError, match="refused"):
        fetch_fx_rates(DAY, "hist-90d", base_url="http://169.254.169.254/latest/", settings=sandbox)
    planted = f"pw-{uuid.uuid4().hex}"
    with pytest.raises(FxFetchError, match="credentials") as with_password:
        fetch_fx_rates(DAY, "hist-90d", base_url=feed.replace("http://", f"http://u:{planted}@"), settings=sandbox)
    assert planted not in str(with_password.value)
    assert asked(sites, FX_SITE) == []
    with pytest.raises(FxFetchError, match="redirect"):
        fetch_fx_rates(DAY, "hist-90d", base_url=feed, settings=sandbox)
    assert sites.requests(FX_SITE) == [("/stats/eurofxref/eurofxref-hist-90d.xml", 302)]
    assert asked(sites, "other") == []
    assert not lake.exists() or not any(lake.rglob("*.parquet"))


REBINDING = '''
import socket

_getaddrinfo, _gethostbyname = socket.getaddrinfo, socket.gethostbyname


def getaddrinfo(host, *args, **kwargs):  # the spider's check at the start: a public address
    return _getaddrinfo("93.184.216.34" if host == "rebind.test" else host, *args, **kwargs)


def gethostbyname(host):  # Scrapy's resolver when it connects: the name now says 127.0.0.1
    return "127.0.0.1" if host == "rebind.test" else _gethostbyname(host)


socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
'''


def test_a_name_that_re_resolves_to_loopback_is_refused_when_scrapy_connects(tmp_path, sites):
    """DNS rebinding: public at the start, 127.0.0.1 at connect time (a sitecustomize stands in for DNS)."""
    fake_dns = tmp_path / "fake_dns"
    fake_dns.mkdir()
    (fake_dns / "sitecustomize.py").write_text(REBINDING)
    port = sites.base_urls["site"].rsplit(":", 1)[1]
    result = scrapy_crawl(tmp_path, "rebag", f"http://rebind.test:{port}", allow_private=False,
                          pythonpath=f"{fake_dns}{os.pathsep}{ROOT}")
    assert asked(sites, "site") == []
    manifest = result["report"]["radar/manifest"]
    assert manifest["complete"] is False
    assert "rebind.test resolves to 127.0.0.1 is a loopback address" in result["log"]


# ---------------------------------------------------------------- inside the browser (Fashionphile)


class _BrowserRequest:
    def __init__(self, url: str, resource_type: str = "fetch") -> None:
        self.url, self.resource_type = url, resource_type


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://2130706433/",
    "http://127.0.0.1:8080/admin",
    "http://localhost/x",
    "http://10.1.2.3/",
    "ws://192.168.0.1/socket",
])
def test_the_browser_aborts_what_a_page_asks_of_a_host_no_crawl_may_reach(url, monkeypatch):
    from crawlers.browser import should_abort_request
    from radar.settings import get_settings

    monkeypatch.setenv("RADAR_ALLOW_PRIVATE_TARGETS", "false")
    get_settings.cache_clear()
    try:
        assert should_abort_request(_BrowserRequest(url))
        assert should_abort_request(_BrowserRequest(url, "document"))
    finally:
        get_settings.cache_clear()


def test_the_browser_loads_public_hosts_and_with_the_sandbox_setting_loopback(monkeypatch):
    from crawlers.browser import should_abort_request
    from radar.settings import get_settings

    assert not should_abort_request(_BrowserRequest("https://www.fashionphile.com/shop/handbags", "document"))
    assert not should_abort_request(_BrowserRequest("https://search.example.net/1/indexes/products/query"))
    monkeypatch.setenv("RADAR_ALLOW_PRIVATE_TARGETS", "true")
    get_settings.cache_clear()
    try:
        assert not should_abort_request(_BrowserRequest("http://127.0.0.1:8080/shop/handbags", "document"))
        # never the metadata service, whatever the setting
        assert should_abort_request(_BrowserRequest("http://169.254.169.254/latest/meta-data/"))
    finally:
        get_settings.cache_clear()
