"""The sandbox: one HTTP server per marketplace replica on 127.0.0.1, a settable day, faults.

    market = Market(seed=7, start_date=date(2026, 8, 1), scale=0.1)
    with SandboxServer(market, ["rebag", "vsp"]) as sandbox:   # start() on enter, stop() on exit
        urls = sandbox.base_urls                                 # {"rebag": "http://127.0.0.1:40123", ...}
        sandbox.set_day(date(2026, 8, 2))                        # advance the market, serve that day
        sandbox.set_faults("rebag", status_sequence=[429, 429])  # first two requests get 429
        sandbox.set_faults("rebag", redirect_to="http://127.0.0.1:1/x")  # every request: 302 there
        sandbox.fx_base_url                                      # the ECB feed: http://127.0.0.1:40125/stats/eurofxref/
        sandbox.clear_faults()

    SandboxServer(market, moving=True, seconds_per_request=30.0)  # the market moves while it is crawled

With `moving=True` every request a marketplace answers (robots.txt and page assets aside) runs
its virtual clock `seconds_per_request` further, and the next day's events that fall due are
applied before the next answer (sandbox/moving.py; docs/sandbox-market.md, "The moving market"). `set_day(D + 1)` then
serves the full end-of-(D + 1) state. `served_events()` and `moving_counts()` tell what moved.

Each site gets its own port (their paths overlap). Faults (see `Faults`) let completeness
tests break a crawl on purpose; `/robots.txt` is never faulted, so a crawler always learns
the rules. An optional admin server (`admin=True`) exposes the same switches over HTTP:
`GET /status`, `POST /day {"date": "2026-08-02"}`, `POST /faults {"marketplace": "rebag",
"faults": {...}}` or `{"clear": true}` (optionally with a marketplace).
`serve_forever(...)` is what `radar sandbox serve` runs. The ECB's euro reference rates
(sandbox/ecb_feed.py) are served on one more port, `fx_base_url`, as of the same day.
"""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from sandbox.ecb_feed import FEED_PATH, EcbFeedReplica
from sandbox.model import ListingState
from sandbox.moving import MovingDay, ServedEvent
from sandbox.replicas import Replica, SandboxRequest, SandboxResponse, create_replica, load_builtin_replicas

HOST = "127.0.0.1"
# The virtual seconds one request of a crawl takes on a moving market: the median configured
# politeness of crawlers/marketplaces.yaml (download_delay 2-5 s at concurrency 1; 3 s for most sites).
SECONDS_PER_REQUEST = 3.0
FX_SITE = "ecb"  # the euro reference rates feed (sandbox/ecb_feed.py)
PRODUCT_LIST_PATH = re.compile(r"^(?:/[a-z]{2}-[a-z]{2})?(?:/collections/(?P<collection>[^/]+))?/products\.json$")

CHALLENGE_PAGES = {
    "cloudflare": (
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
        '<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow"></head>'
        '<body><div class="main-wrapper" role="main"><div class="main-content">'
        '<h1 class="zone-name-title h1">Checking if the site connection is secure</h1>'
        '<div id="challenge-stage"></div><noscript>Enable JavaScript and cookies to continue</noscript>'
        '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>'
        "</div></div></body></html>"
    ),
    "captcha": (
        "<!DOCTYPE html><html><head><title>Access to this page has been denied</title></head>"
        '<body><div id="px-captcha"></div><p>Please verify you are a human: press and hold the button.</p>'
        '<script src="https://captcha.px-cdn.net/captcha.js"></script></body></html>'
    ),
    "403": (
        "<!DOCTYPE html><html><head><title>403 Forbidden</title></head>"
        "<body><h1>Access denied</h1><p>You don't have permission to access this resource.</p></body></html>"
    ),
}


@dataclass
class Faults:
    """Switches that make a replica misbehave (all off by default)."""

    drop_page: int | None = None  # this page of a product listing comes back short or empty
    drop_collection: str | None = None  # ... only in this collection ("" = /products.json); None: any
    drop_mode: Literal["short", "empty"] = "short"  # short: first half of the page; empty: {"products": []}
    status_sequence: list[int] = field(default_factory=list)  # statuses for the next requests, one each
    retry_after: int = 1  # Retry-After seconds sent with a 429
    challenge: Literal["cloudflare", "captcha", "403"] | None = None  # bot-challenge page for every request
    challenge_status: int = 200  # HTTP status of the cloudflare/captcha page ("403" is always 403)
    challenge_after: int = 0  # requests served normally before the challenge starts
    slow_seconds: float = 0.0  # delay before every answer
    only_path: str | None = None  # status/challenge/slow apply only to paths containing this
    # ... and only to this page of a listing walk, counted from 1 as the walk does (a products.json
    # `page`, or a Fashionphile search `page` + 1); None: every request.
    only_page: int | None = None
    # A site that moved while it was paged (docs/marketplaces.md): from this page of a product
    # listing on, each page starts with the last item of the page before, and the collection's
    # last listing never shows (products_count still counts it; its own page still answers).
    shift: int | None = None
    # Handles left out of the listing walk (products.json pages, Fashionphile's search hits), the
    # pages closing up behind them; their counts and their own product pages stay as they are.
    hide: list[str] = field(default_factory=list)
    # Answer 302 to this URL (another server: a crawl must not follow it); with only_path/only_page
    # for some requests only.
    redirect_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SandboxServer:
    def __init__(
        self,
        market: Any,
        marketplaces: Iterable[str] | None = None,
        *,
        port_base: int | None = None,
        admin: bool = False,
        host: str = HOST,
        moving: bool = False,
        seconds_per_request: float | dict[str, float] = SECONDS_PER_REQUEST,
        replicas: Mapping[str, Replica] | None = None,
    ) -> None:
        """`market` is a `sandbox.market.Market`, or a `sandbox.fixed_market.FixedMarket` (fixed
        listings, for tests and benchmarks).

        Marketplaces default to the market's profiles that have a replica. Config stores of
        sandbox/stores.yaml that the market does not know are added to it first. With
        `port_base`, the admin server (if any) listens on port_base and marketplace i on
        port_base + 1 + i, the ECB feed after the last marketplace; otherwise free ports are picked.
        `moving` makes the market move while it is crawled, each request advancing that
        marketplace's clock by `seconds_per_request` (one number, or one per marketplace).
        `replicas` serves replicas built by hand (other options, `FixedShopifyStore`) instead of
        the registered ones; their marketplaces are served too.
        """
        load_builtin_replicas()
        self.market = market
        self.host = host
        self.port_base = port_base
        given = dict(replicas or {})
        self.marketplaces = list(marketplaces) if marketplaces is not None else (
            [] if given else _default_marketplaces(market))
        self.marketplaces += [m for m in given if m not in self.marketplaces]
        _add_missing_store_profiles(market, self.marketplaces)
        self._market_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._day: date = market.current_day
        self._states: dict[tuple[str, date], Sequence[ListingState]] = {}
        self._faults: dict[str, Faults] = {}
        self._served: dict[str, int] = {}
        self._log: dict[str, list[tuple[str, int]]] = {}
        self._replicas: dict[str, Replica] = {
            m: given[m] if m in given else create_replica(m, _currency(market, m)) for m in self.marketplaces
        }
        for marketplace in set(DEFAULT_SOLD_PAGES) & set(self.marketplaces):  # B: the replicas' sold pages
            self.set_sold_page(marketplace, DEFAULT_SOLD_PAGES[marketplace])
        # The ECB's euro reference rates from the market's FX, on a port of their own (faults: set_faults(FX_SITE, ...)).
        self._replicas[FX_SITE] = EcbFeedReplica(market, self._market_lock)
        self.fx_base_url: str | None = None  # http://127.0.0.1:<port>/stats/eurofxref/ once started
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []
        self.base_urls: dict[str, str] = {}
        self.admin_url: str | None = None
        self._want_admin = admin
        self.moving = moving
        self._seconds_per_request = seconds_per_request
        self._moving_lock = threading.Lock()
        self._moving_days: dict[str, MovingDay] = {}
        self._served_events: list[ServedEvent] = []

    # ---- lifecycle ------------------------------------------------------------------
    def start(self) -> dict[str, str]:
        """Listen on 127.0.0.1; returns marketplace -> base URL."""
        if self._servers:
            return dict(self.base_urls)
        offset = 1 if self.port_base is not None else 0
        for index, marketplace in enumerate(self.marketplaces):
            server = self._listen(self._port(offset + index), _SiteHandler)
            server.sandbox, server.marketplace = self, marketplace  # type: ignore[attr-defined]
            self._servers[marketplace] = server
            self.base_urls[marketplace] = f"http://{self.host}:{server.server_address[1]}"
        fx_server = self._listen(self._port(offset + len(self.marketplaces)), _SiteHandler)
        fx_server.sandbox, fx_server.marketplace = self, FX_SITE  # type: ignore[attr-defined]
        self._servers[FX_SITE] = fx_server
        self.fx_base_url = f"http://{self.host}:{fx_server.server_address[1]}{FEED_PATH}"
        if self._want_admin:
            admin = self._listen(self._port(0), _AdminHandler)
            admin.sandbox = self  # type: ignore[attr-defined]
            self._servers["__admin__"] = admin
            self.admin_url = f"http://{self.host}:{admin.server_address[1]}"
        return dict(self.base_urls)

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _port(self, offset: int) -> int:
        return 0 if self.port_base is None else self.port_base + offset

    def _listen(self, port: int, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
        server = _SandboxHTTPServer((self.host, port), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        self._threads.append(thread)
        return server

    # ---- the day served ---------------------------------------------------------------
    @property
    def day(self) -> date:
        return self._day

    def set_day(self, day: date) -> None:
        """Advance the market to `day` (never backwards) and serve that day from now on."""
        with self._market_lock:
            if day > self.market.current_day:
                self.market.advance_to(day)
            self._day = day
        with self._moving_lock:
            for view in self._moving_days.values():
                self._served_events.extend(view.applied)
            self._moving_days.clear()  # the new day starts from its own end-of-day state
        with self._state_lock:
            # Keep the previous day too: a crawl that started before set_day still reads it.
            earlier = sorted({cached_day for _, cached_day in self._states if cached_day < day})
            for key in [key for key in self._states if key[1] in earlier[:-1]]:
                del self._states[key]

    def states(self, marketplace: str, day: date) -> Sequence[ListingState]:
        with self._state_lock:
            cached = self._states.get((marketplace, day))
        if cached is not None:
            return cached
        with self._market_lock:
            states = self.market.visible(marketplace, day)
        with self._state_lock:
            return self._states.setdefault((marketplace, day), states)

    # ---- the moving market ------------------------------------------------------------
    def seconds_per_request(self, marketplace: str) -> float:
        value = self._seconds_per_request
        return float(value.get(marketplace, SECONDS_PER_REQUEST) if isinstance(value, dict) else value)

    def _moving_day(self, marketplace: str, day: date) -> MovingDay:
        """The marketplace's moving state for `day` (call with _moving_lock held)."""
        view = self._moving_days.get(marketplace)
        if view is None or view.day != day:
            states = self.states(marketplace, day)
            with self._market_lock:
                events = self.market.intraday_events(marketplace, day + timedelta(days=1))
            view = self._moving_days[marketplace] = MovingDay(marketplace, day, states, events)
        return view

    def _served_now(self, marketplace: str, day: date) -> tuple[Sequence[ListingState], int]:
        with self._moving_lock:
            view = self._moving_day(marketplace, day)
            return view.states, view.version

    def _tick(self, marketplace: str, day: date) -> None:
        """A request was answered: run the marketplace's clock on and apply the events now due."""
        with self._moving_lock:
            self._moving_day(marketplace, day).advance(self.seconds_per_request(marketplace))

    def served_events(self, marketplace: str | None = None) -> list[ServedEvent]:
        """Events of a next day that crawls met early, oldest first (the truth keeps their real day)."""
        with self._moving_lock:
            events = self._served_events + [e for view in self._moving_days.values() for e in view.applied]
        return [e for e in events if marketplace is None or e.marketplace == marketplace]

    def moving_counts(self, marketplace: str | None = None) -> dict[str, int]:
        """How many events of each kind crawls met early ("published", "ended", "repriced", ...)."""
        counts: dict[str, int] = {}
        for event in self.served_events(marketplace):
            counts[event.kind] = counts.get(event.kind, 0) + 1
        return counts

    def clock(self, marketplace: str) -> float:
        """Virtual seconds since the crawl of the day served began (0 on a still market)."""
        with self._moving_lock:
            view = self._moving_days.get(marketplace)
            return view.clock if view is not None else 0.0

    # ---- what a listing's own page says once it left the site (docs/marketplaces.md) -----------
    def set_sold_page(self, marketplace: str, mode: SoldPage) -> None:
        """`not_found`: a listing no longer for sale answers 404 on its own page (and .json/.js);
        `shown_sold`: a sold one keeps its page, shown sold (`available: false`, the sold badge)."""
        if mode not in SOLD_PAGE_MODES:
            raise ValueError(f"sold_page must be one of {SOLD_PAGE_MODES}, got {mode!r}")
        replica: Any = self._replicas[marketplace]  # every replica with listing pages has these two
        replica.sold_page = mode
        replica.sold_state = self.market.sold_states(marketplace, self._market_lock)

    # ---- faults ---------------------------------------------------------------------
    def set_faults(self, marketplace: str, **faults: Any) -> Faults:
        if marketplace not in self._replicas:
            raise KeyError(f"no marketplace {marketplace!r} in this sandbox; serving {self.marketplaces}")
        settings = Faults(**faults)
        settings.status_sequence = list(settings.status_sequence)
        with self._state_lock:
            self._faults[marketplace] = settings
            self._served[marketplace] = 0
        return settings

    def clear_faults(self, marketplace: str | None = None) -> None:
        with self._state_lock:
            if marketplace is None:
                self._faults.clear()
            else:
                self._faults.pop(marketplace, None)

    def requests(self, marketplace: str) -> list[tuple[str, int]]:
        """(path with query, status) of every request a site answered, oldest first."""
        with self._state_lock:
            return list(self._log.get(marketplace, []))

    def status(self) -> dict[str, Any]:
        with self._state_lock:
            faults = {m: f.to_dict() for m, f in self._faults.items()}
            counts = {m: len(log) for m, log in self._log.items()}
        return {"day": self._day.isoformat(), "marketplaces": dict(self.base_urls), "fx": self.fx_base_url,
                "admin": self.admin_url, "faults": faults, "requests": counts}

    # ---- answering ------------------------------------------------------------------
    def answer(self, marketplace: str, method: str, raw_path: str, headers: dict[str, str]) -> SandboxResponse:
        split = urlsplit(raw_path)
        path = unquote(split.path)
        day = self._day
        load_states, version = (lambda: self.states(marketplace, day)), 0
        moving = self.moving and marketplace != FX_SITE
        if moving:
            moving_states, version = self._served_now(marketplace, day)
            load_states = lambda: moving_states  # noqa: E731
        request = SandboxRequest(
            path=path,
            query=parse_qs(split.query),
            headers=headers,
            day=day,
            load_states=load_states,
            method=method,
            version=version,
        )
        faults = self._faults.get(marketplace)
        response = self._faulty_answer(marketplace, faults, request) if faults and path != "/robots.txt" else None
        if response is None:
            response = self._replica_answer(marketplace, request)
            if faults:
                response = _move_listings(self, marketplace, faults, request, response)
                response = _drop_page(faults, request, response)
        with self._state_lock:
            self._log.setdefault(marketplace, []).append((raw_path, response.status))
        if moving and _paces_a_crawl(path, response):
            self._tick(marketplace, day)  # the market moves on between this request and the next
        return response

    def _replica_answer(self, marketplace: str, request: SandboxRequest) -> SandboxResponse:
        try:
            return self._replicas[marketplace].respond(request)
        except Exception as exc:  # noqa: BLE001 - a replica bug must show as a 500, not a hung connection
            return SandboxResponse.json({"errors": f"sandbox replica error: {exc!r}"}, status=500)

    def _faulty_answer(self, marketplace: str, faults: Faults, request: SandboxRequest) -> SandboxResponse | None:
        if faults.only_path and faults.only_path not in request.path:
            return None
        if faults.only_page is not None and _walk_page(request) != faults.only_page:
            return None
        if faults.slow_seconds:
            time.sleep(faults.slow_seconds)
        with self._state_lock:
            served = self._served.get(marketplace, 0)
            self._served[marketplace] = served + 1
            status = faults.status_sequence.pop(0) if faults.status_sequence else None
        if status is not None:
            return _error_response(status, faults.retry_after)
        if faults.redirect_to:
            return SandboxResponse.redirect(faults.redirect_to, status=302)
        if faults.challenge and served >= faults.challenge_after:
            page = CHALLENGE_PAGES[faults.challenge]
            code = 403 if faults.challenge == "403" else faults.challenge_status
            headers = {"cf-mitigated": "challenge"} if faults.challenge == "cloudflare" else {}
            return SandboxResponse.html(page, status=code, headers=headers)
        return None


def _walk_page(request: SandboxRequest) -> int | None:
    """The page of a listing walk a request asks for, counted from 1; None for other requests."""
    if PRODUCT_LIST_PATH.match(request.path):
        first_page = 1
    elif SEARCH_PATH.match(request.path):
        first_page = 0
    else:
        return None
    try:
        return int(request.param("page", str(first_page)) or first_page) - first_page + 1
    except ValueError:
        return None


def _paces_a_crawl(path: str, response: SandboxResponse) -> bool:
    """Requests that take a crawl's politeness delay; robots.txt and a page's scripts, styles and
    images (a browser fetches them with the page) do not run a moving market's clock."""
    content_type = response.headers.get("Content-Type", "")
    return path != "/robots.txt" and not content_type.startswith(("image/", "text/css", "application/javascript"))


def _error_response(status: int, retry_after: int) -> SandboxResponse:
    if status == 429:
        return SandboxResponse.json({"errors": "Too Many Requests"}, status=429, headers={"Retry-After": str(retry_after)})
    return SandboxResponse.json({"errors": "Internal Server Error" if status >= 500 else f"HTTP {status}"}, status=status)


def _drop_page(faults: Faults, request: SandboxRequest, response: SandboxResponse) -> SandboxResponse:
    """Answer the chosen page of a product listing short (or empty), as a flaky shop might."""
    match = PRODUCT_LIST_PATH.match(request.path)
    if faults.drop_page is None or response.status != 200 or not match:
        return response
    collection = match.group("collection") or ""
    if faults.drop_collection is not None and faults.drop_collection != collection:
        return response
    if int(request.param("page", "1") or 1) != faults.drop_page:
        return response
    products = json.loads(response.body)["products"]
    kept = [] if faults.drop_mode == "empty" else products[: len(products) // 2]
    return SandboxResponse.json({"products": kept}, headers={k: v for k, v in response.headers.items() if k != "Content-Type"})


SoldPage = Literal["not_found", "shown_sold"]
SOLD_PAGE_MODES = ("not_found", "shown_sold")
# Per marketplace, what its replica does by default (docs/marketplaces.md says what is known).
DEFAULT_SOLD_PAGES: dict[str, SoldPage] = {"fashionphile": "shown_sold"}


SEARCH_PATH = re.compile(r"^/1/indexes/[^/]+/query$")


def _move_listings(sandbox: SandboxServer, marketplace: str, faults: Faults, request: SandboxRequest,
                   response: SandboxResponse) -> SandboxResponse:
    """Apply `shift` / `hide` to a listing page: the walk sees the collection as a moving site shows it."""
    if response.status != 200 or not (faults.shift or faults.hide):
        return response
    if PRODUCT_LIST_PATH.match(request.path):
        key, first_page, size_param, size = "products", 1, "limit", min(250, int(request.param("limit", "30") or 30))
    elif SEARCH_PATH.match(request.path):
        key, first_page, size_param = "hits", 0, "hitsPerPage"
        size = len(json.loads(response.body)["hits"]) or 1
        size = int(request.param("hitsPerPage", str(size)) or size)
    else:
        return response
    page = int(request.param("page", str(first_page)) or first_page) - first_page  # 0-based

    def replica_page(number: int) -> list[dict[str, Any]]:
        query = {**request.query, "page": [str(number + first_page)], size_param: [str(size)]}
        answer = sandbox._replica_answer(marketplace, dataclasses.replace(request, query=query))
        return json.loads(answer.body)[key] if answer.status == 200 else []

    hidden = set(faults.hide)
    wanted_end = (page + 1) * size
    listed: list[dict[str, Any]] = []
    number, ended = 0, False
    while len(listed) < wanted_end:  # every item of the collection up to the page asked for, hidden ones left out
        chunk = replica_page(number)
        listed += [entry for entry in chunk if entry.get("handle") not in hidden]
        number += 1
        if len(chunk) < size:
            ended = True
            break
    if faults.shift and page + 1 >= max(2, faults.shift):  # `shift` counts pages from 1, as the walk does
        total = len(listed)
        while total == wanted_end and not ended:  # does the collection go on past this page? (its last listing never shows)
            chunk = replica_page(number)
            total += len([entry for entry in chunk if entry.get("handle") not in hidden])
            number, ended = number + 1, len(chunk) < size
        start, end = page * size - 1, min(wanted_end - 1, total - 1)
        chosen = listed[start:end] if end > start else []
    else:
        chosen = listed[page * size : wanted_end]
    payload = json.loads(response.body)
    payload[key] = chosen
    return SandboxResponse.json(payload, headers={k: v for k, v in response.headers.items() if k != "Content-Type"})


# ---- HTTP handlers ------------------------------------------------------------------
class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that aborts a request (images, fonts) resets its connection: not a server error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class _QuietHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # request logging off
        pass

    def send(self, response: SandboxResponse, head_only: bool = False) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test); nothing to answer


class _SiteHandler(_QuietHandler):
    def do_GET(self) -> None:
        self._answer("GET")

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def _answer(self, method: str) -> None:
        sandbox: SandboxServer = self.server.sandbox  # type: ignore[attr-defined]
        response = sandbox.answer(self.server.marketplace, method, self.path, dict(self.headers.items()))  # type: ignore[attr-defined]
        self.send(response, head_only=method == "HEAD")


class _AdminHandler(_QuietHandler):
    def do_GET(self) -> None:
        sandbox: SandboxServer = self.server.sandbox  # type: ignore[attr-defined]
        if urlsplit(self.path).path == "/status":
            self.send(SandboxResponse.json(sandbox.status()))
        else:
            self.send(SandboxResponse.not_found())

    def do_POST(self) -> None:
        sandbox: SandboxServer = self.server.sandbox  # type: ignore[attr-defined]
        try:
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            path = urlsplit(self.path).path
            if path == "/day":
                sandbox.set_day(date.fromisoformat(payload["date"]))
            elif path == "/faults":
                _apply_faults(sandbox, payload)
            else:
                self.send(SandboxResponse.not_found())
                return
        except (KeyError, TypeError, ValueError) as exc:
            self.send(SandboxResponse.json({"errors": f"bad request: {exc}"}, status=400))
            return
        self.send(SandboxResponse.json(sandbox.status()))


def _apply_faults(sandbox: SandboxServer, payload: dict[str, Any]) -> None:
    if payload.get("clear"):
        sandbox.clear_faults(payload.get("marketplace"))
    else:
        sandbox.set_faults(payload["marketplace"], **payload.get("faults", {}))


# ---- market wiring ------------------------------------------------------------------
def _default_marketplaces(market: Any) -> list[str]:
    from sandbox.replicas import REPLICAS

    return [key for key in market.profiles if key in REPLICAS]


def _currency(market: Any, marketplace: str) -> str:
    profile = market.profiles.get(marketplace)
    if profile is not None:
        return profile.currency
    from sandbox.replicas.stores import STORE_OPTIONS

    return STORE_OPTIONS[marketplace].currency if marketplace in STORE_OPTIONS else "USD"


def _add_missing_store_profiles(market: Any, marketplaces: Iterable[str]) -> None:
    """A config store the market has no profile for gets one from its stores.yaml entry."""
    from sandbox.replicas.stores import STORE_OPTIONS, market_profile_fields

    missing = [m for m in marketplaces if m not in market.profiles and m in STORE_OPTIONS]
    if not missing:
        return
    from sandbox.market import MarketplaceProfile

    for marketplace in missing:
        market.add_profile(MarketplaceProfile(**market_profile_fields(STORE_OPTIONS[marketplace])))


def serve_forever(
    seed: int,
    start_date: date,
    scale: float,
    day: date | None,
    marketplaces: Sequence[str] | None,
    port_base: int | None = None,
    moving: bool = False,
) -> None:
    """Run the sandbox until SIGINT/SIGTERM; prints {"day", "marketplaces", "admin"} as JSON."""
    from sandbox.market import Market

    market = Market(seed=seed, start_date=start_date, scale=scale)
    sandbox = SandboxServer(market, marketplaces or None, port_base=port_base, admin=True, moving=moving)
    sandbox.set_day(day or start_date)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sandbox.start()
    try:
        print(json.dumps({"day": sandbox.day.isoformat(), "marketplaces": sandbox.base_urls, "fx": sandbox.fx_base_url,
                          "admin": sandbox.admin_url}), flush=True)
        stop.wait()
    finally:
        sandbox.stop()
