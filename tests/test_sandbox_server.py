"""The sandbox server on real sockets: start/stop, the served day, faults, admin endpoint,
serve_forever, a store added from options only, and fixed catalogues (FixedMarket, replicas built
by hand, FixedShopifyStore) behind the same server and faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from types import SimpleNamespace

import pytest
from test_sandbox_replicas import make_listing, make_state

from sandbox.fixed_market import FixedMarket, sample_states
from sandbox.replicas.fashionphile import FashionphileReplica, product_handle
from sandbox.replicas.fixed_store import FixedShopifyStore
from sandbox.replicas.stores import STORE_OPTIONS, StoreOptions, register_store
from sandbox.server import SandboxServer

DAY1, DAY2 = date(2026, 8, 1), date(2026, 8, 2)


class FakeMarket(FixedMarket):
    """A FixedMarket that records what the server asked of it."""

    def __init__(self, states_by_marketplace, currencies=None):
        super().__init__(states_by_marketplace, day=DAY1)
        for marketplace in states_by_marketplace:
            self.add_profile(SimpleNamespace(key=marketplace, currency=(currencies or {}).get(marketplace, "USD")))
        self.advanced_to: list[date] = []
        self.visible_calls = 0

    def advance_to(self, day):
        self.advanced_to.append(day)
        super().advance_to(day)

    def visible(self, marketplace, day=None):
        self.visible_calls += 1
        return super().visible(marketplace, day)


def rebag_states(count=12):
    return [make_state(make_listing(n), price=f"{2000 + n}.00") for n in range(count)]


def fetch(url, data=None):
    """(status, headers, body) without raising on HTTP errors."""
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def sandbox():
    market = FakeMarket({"rebag": rebag_states(), "vsp": [make_state(make_listing(0, marketplace="vsp", sku="VSP-1"))]},
                        {"vsp": "CAD"})
    server = SandboxServer(market, ["rebag", "vsp"], admin=True)
    server.start()
    yield server
    server.stop()


def test_each_marketplace_gets_its_own_port_and_serves_its_format(sandbox):
    urls = sandbox.base_urls
    assert set(urls) == {"rebag", "vsp"} and urls["rebag"] != urls["vsp"]
    status, headers, body = fetch(urls["rebag"] + "/products.json?limit=5")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert len(json.loads(body)["products"]) == 5
    vsp = json.loads(fetch(urls["vsp"] + "/products.json")[2])["products"]
    assert vsp[0]["vendor"] == "VSP Archive"


def test_stop_closes_the_ports():
    server = SandboxServer(FakeMarket({"rebag": rebag_states()}), ["rebag"])
    url = server.start()["rebag"]
    assert fetch(url + "/robots.txt")[0] == 200
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/robots.txt", timeout=2)


def test_fixed_ports_from_port_base():
    probe = SandboxServer(FakeMarket({"rebag": []}), ["rebag"])
    free = int(probe.start()["rebag"].rsplit(":", 1)[1])
    probe.stop()
    server = SandboxServer(FakeMarket({"rebag": []}), ["rebag"], port_base=free, admin=True)
    try:
        server.start()
        assert server.admin_url == f"http://127.0.0.1:{free}"
        assert server.base_urls["rebag"] == f"http://127.0.0.1:{free + 1}"
    finally:
        server.stop()


def test_set_day_advances_the_market_and_serves_that_day(sandbox):
    url = sandbox.base_urls["rebag"]
    touched = lambda: json.loads(fetch(url + "/collections/all-bags.json")[2])["collection"]["updated_at"]  # noqa: E731
    assert touched().startswith("2026-08-01")
    sandbox.set_day(DAY2)
    assert sandbox.market.advanced_to == [DAY2]
    assert touched().startswith("2026-08-02")


def test_states_are_loaded_once_per_day(sandbox):
    url = sandbox.base_urls["rebag"]
    for page in (1, 2, 3):
        fetch(f"{url}/products.json?limit=4&page={page}")
    fetch(url + "/collections/all-bags.json")
    assert sandbox.market.visible_calls == 1


def test_status_sequence_answers_429_then_500_then_recovers(sandbox):
    url = sandbox.base_urls["rebag"]
    sandbox.set_faults("rebag", status_sequence=[429, 500], retry_after=1)
    assert fetch(url + "/robots.txt")[0] == 200  # robots.txt is never faulted
    status, headers, _ = fetch(url + "/products.json")
    assert (status, headers.get("Retry-After")) == (429, "1")
    assert fetch(url + "/products.json")[0] == 500
    assert fetch(url + "/products.json")[0] == 200
    assert [s for _, s in sandbox.requests("rebag")] == [200, 429, 500, 200]


@pytest.mark.parametrize("kind, status, marker", [("cloudflare", 200, b"Just a moment..."), ("captcha", 200, b"px-captcha"),
                                                  ("403", 403, b"Access denied")])
def test_challenge_pages(sandbox, kind, status, marker):
    url = sandbox.base_urls["rebag"]
    sandbox.set_faults("rebag", challenge=kind, challenge_after=1)
    assert fetch(url + "/products.json")[0] == 200  # one request passes first
    got_status, headers, body = fetch(url + "/products.json")
    assert got_status == status and marker in body
    assert headers["Content-Type"].startswith("text/html")
    sandbox.clear_faults()
    assert json.loads(fetch(url + "/products.json")[2])["products"]


@pytest.mark.parametrize("mode, expected", [("short", 2), ("empty", 0)])
def test_drop_page_truncates_one_page_of_one_collection(sandbox, mode, expected):
    url = sandbox.base_urls["rebag"]
    sandbox.set_faults("rebag", drop_page=2, drop_collection="all-bags", drop_mode=mode)
    page = lambda path, n: json.loads(fetch(f"{url}{path}?limit=5&page={n}")[2])["products"]  # noqa: E731
    assert len(page("/collections/all-bags/products.json", 1)) == 5
    assert len(page("/collections/all-bags/products.json", 2)) == expected
    assert len(page("/collections/chanel/products.json", 2)) == 5  # other collections untouched
    assert len(page("/products.json", 2)) == 5
    count = json.loads(fetch(url + "/collections/all-bags.json")[2])["collection"]["products_count"]
    assert count == 12  # the site still claims the full count: the gap is detectable


def test_slow_seconds_delays_answers(sandbox):
    url = sandbox.base_urls["rebag"]
    sandbox.set_faults("rebag", slow_seconds=0.3, only_path="/products.json")
    started = time.monotonic()
    fetch(url + "/collections/all-bags.json")
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    fetch(url + "/products.json")
    assert time.monotonic() - started >= 0.3


def test_faults_on_one_marketplace_leave_the_others_alone(sandbox):
    sandbox.set_faults("rebag", status_sequence=[503])
    assert fetch(sandbox.base_urls["vsp"] + "/products.json")[0] == 200
    assert fetch(sandbox.base_urls["rebag"] + "/products.json")[0] == 503


def test_unknown_marketplace_faults_are_refused(sandbox):
    with pytest.raises(KeyError):
        sandbox.set_faults("nope", status_sequence=[500])


def test_admin_endpoint_drives_day_and_faults(sandbox):
    admin, url = sandbox.admin_url, sandbox.base_urls["rebag"]
    status = json.loads(fetch(admin + "/status")[2])
    assert status["day"] == "2026-08-01" and status["marketplaces"] == sandbox.base_urls
    assert json.loads(fetch(admin + "/day", {"date": "2026-08-02"})[2])["day"] == "2026-08-02"
    assert sandbox.day == DAY2
    fetch(admin + "/faults", {"marketplace": "rebag", "faults": {"status_sequence": [429]}})
    assert fetch(url + "/products.json")[0] == 429
    fetch(admin + "/faults", {"marketplace": "rebag", "faults": {"challenge": "403"}})
    assert fetch(url + "/products.json")[0] == 403
    fetch(admin + "/faults", {"clear": True})
    assert fetch(url + "/products.json")[0] == 200
    assert fetch(admin + "/day", {"date": "not a date"})[0] == 400
    assert fetch(admin + "/faults", {"marketplace": "rebag", "faults": {"bogus": 1}})[0] == 400


def test_a_fourth_store_served_from_options_and_the_real_market():
    from sandbox.market import Market

    options = StoreOptions(key="lovethatbag", name="Love That Bag", title="{brand} {model} {size}", bag_collections=["bags"],
                           market={"live_listings": 200, "non_bag_share": 0.1, "sold_visible_share": 0.0,
                                   "sold_visible_days": 0, "id_base": 8_300_000_000_000})
    register_store(options)
    try:
        market = Market(seed=11, start_date=DAY1, scale=0.5)
        with SandboxServer(market, ["lovethatbag"]) as server:
            assert "lovethatbag" in market.profiles
            url = server.base_urls["lovethatbag"]
            count = json.loads(fetch(url + "/collections/bags.json")[2])["collection"]["products_count"]
            bags = market.visible("lovethatbag", DAY1)
            assert count == sum(s.listing.is_bag for s in bags) > 0
            server.set_day(DAY2)
            served = json.loads(fetch(url + "/collections/bags/products.json?limit=250")[2])["products"]
            assert len(served) == sum(s.listing.is_bag for s in market.visible("lovethatbag", DAY2))
    finally:
        STORE_OPTIONS.pop("lovethatbag", None)


def test_serve_forever_prints_urls_and_stops_on_sigterm():
    code = ("from datetime import date; from sandbox.server import serve_forever; "
            "serve_forever(5, date(2026, 8, 1), 0.05, None, ['rebag', 'dct'])")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        announced = json.loads(process.stdout.readline())
        assert set(announced["marketplaces"]) == {"rebag", "dct"} and announced["day"] == "2026-08-01"
        assert fetch(announced["marketplaces"]["rebag"] + "/collections/all-bags.json")[0] == 200
        fetch(announced["admin"] + "/day", {"date": "2026-08-03"})
        assert json.loads(fetch(announced["admin"] + "/status")[2])["day"] == "2026-08-03"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()


# ---------------------------------------------------------------- one server, one faults model


def test_only_page_faults_one_page_of_a_products_walk(sandbox):
    url = sandbox.base_urls["rebag"] + "/collections/all-bags/products.json?limit=4&page="
    sandbox.set_faults("rebag", status_sequence=[500, 500], only_path="/collections/all-bags/products.json", only_page=2)
    assert fetch(sandbox.base_urls["rebag"] + "/collections/all-bags.json")[0] == 200  # not that path
    assert [fetch(url + str(n))[0] for n in (1, 2, 3, 2, 2)] == [200, 500, 200, 500, 200]


def test_fixed_fashionphile_behind_the_server_faults_its_search_pages_counted_from_1():
    states = sample_states(30)  # 28 bags
    market = FixedMarket({"fashionphile": states})
    with SandboxServer(market, replicas={"fashionphile": FashionphileReplica(hits_per_page=10)}) as server:
        url = server.base_urls["fashionphile"]
        search = url + "/1/indexes/fp_products_live/query?collection=handbags&hitsPerPage=10&page="
        first = json.loads(fetch(search + "0")[2])
        assert (first["nbHits"], first["nbPages"], len(first["hits"])) == (28, 3, 10)  # the replica built by hand
        server.set_faults("fashionphile", status_sequence=[429] * 3, retry_after=2, only_path="/1/indexes/", only_page=2)
        status, headers, _ = fetch(search + "1")  # the search's page=1 is the walk's page 2
        assert (status, headers.get("Retry-After")) == (429, "2")
        assert fetch(search + "0")[0] == fetch(search + "2")[0] == 200
        assert fetch(url + "/collections/handbags")[0] == 200  # the listing page itself is untouched
        server.set_faults("fashionphile", challenge="cloudflare", challenge_status=403)
        assert fetch(url + "/collections/handbags")[0] == 403
        assert fetch(url + "/robots.txt")[0] == 200


def test_a_fixed_market_shows_sold_listings_as_the_catalogue_has_them_and_404_otherwise():
    states = sample_states(30)
    sold = next(s for s in states if not s.available)
    with SandboxServer(FixedMarket({"fashionphile": states}), ["fashionphile"]) as server:  # the registered replica
        url = server.base_urls["fashionphile"]
        status, _, body = fetch(f"{url}/products/{product_handle(sold)}")
        assert status == 200 and b"price__badge-sold-out" in body
        assert fetch(f"{url}/products/no-such-bag-123.json")[0] == 404  # gone: 404, never a replica error
        server.set_day(date(2026, 9, 10))
        assert server.day == date(2026, 9, 10) and fetch(f"{url}/products/{product_handle(sold)}.json")[0] == 200


def test_a_fixed_shopify_store_pages_counts_and_caps_as_shopify_does():
    records = [{"id": n, "handle": f"bag-{n}", "title": f"Bag {n}"} for n in range(25)]
    store = FixedShopifyStore({"all-bags": records, "empty": []}, page_cap=20, counts={"empty": 7})
    with SandboxServer(FixedMarket(), replicas={"teststore": store}) as server:
        url = server.base_urls["teststore"]
        page = lambda n, limit=10: fetch(f"{url}/collections/all-bags/products.json?limit={limit}&page={n}")  # noqa: E731
        assert [r["id"] for r in json.loads(page(1)[2])["products"]] == list(range(10))
        assert [r["id"] for r in json.loads(page(2)[2])["products"]] == list(range(10, 20))
        status, _, body = page(3)  # 3 * 10 > the cap of 20
        assert status == 400 and b"Page * Limit" in body
        assert [r["id"] for r in json.loads(page(5, limit=4)[2])["products"]] == [16, 17, 18, 19]  # 5 * 4 = the cap
        empty = fetch(f"{url}/collections/empty/products.json?limit=10&page=1")
        assert (empty[0], json.loads(empty[2])) == (200, {"products": []})
        count = lambda handle: json.loads(fetch(f"{url}/collections/{handle}.json")[2])["collection"]["products_count"]  # noqa: E731
        assert (count("all-bags"), count("empty")) == (25, 7)  # a claimed count where one is given
        assert fetch(f"{url}/collections/nope.json")[0] == fetch(f"{url}/collections/nope/products.json")[0] == 404
        assert b"Disallow: /cart" in fetch(url + "/robots.txt")[2]
        server.set_faults("teststore", drop_page=1, drop_collection="all-bags", drop_mode="empty")
        assert json.loads(page(1)[2]) == {"products": []}
