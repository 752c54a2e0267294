"""Marketplace replicas: render a day's `ListingState`s the way each real site serves them.

A replica is any object with `respond(request) -> SandboxResponse`. It knows nothing about
sockets: `sandbox/server.py` turns HTTP requests into `SandboxRequest`s, applies test faults,
and writes the `SandboxResponse` back.

Adding a marketplace (e.g. Fashionphile, in its own module):

    from sandbox.replicas import SandboxRequest, SandboxResponse, register_replica

    class FashionphileReplica:
        def __init__(self, marketplace: str, currency: str) -> None: ...
        def respond(self, request: SandboxRequest) -> SandboxResponse:
            if request.path == "/robots.txt":
                return SandboxResponse.text("User-agent: *\\nDisallow: /cart\\n")
            states = request.states          # that day's visible listings, newest first
            ...
            return SandboxResponse.not_found()

    register_replica("fashionphile", FashionphileReplica)

and list the module in `_BUILTIN_MODULES` below: `load_builtin_replicas()` (called by
`create_replica` and the server) imports it, which fills `REPLICAS`.
A factory is called once per server with `(marketplace_key, currency)`; the currency is the
market profile's (`ListingState.price` is already in it).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, Protocol

from sandbox.model import ListingState


@dataclass(frozen=True, slots=False)
class SandboxRequest:
    """One HTTP request to a replica, with the market data of the day being served.

    `states` is loaded on first use (through `load_states`), so requests that do not need
    the catalogue (robots.txt, a cached page) never ask the market. On a still market the
    states of one day never change; on a moving one (sandbox/moving.py) they change between
    requests and `version` counts the changes. Replicas cache anything derived from the
    states by `snapshot`, i.e. (day, version).
    """

    path: str  # URL path, percent-decoded, no query string: "/collections/all-bags/products.json"
    query: Mapping[str, list[str]]  # parse_qs of the query string: {"page": ["2"]}
    headers: Mapping[str, str]
    day: date
    load_states: Callable[[], Sequence[ListingState]]
    method: str = "GET"
    version: int = 0  # how many batches of the next day's events the served states include

    @property
    def snapshot(self) -> tuple[date, int]:
        return self.day, self.version

    @cached_property
    def states(self) -> Sequence[ListingState]:
        return self.load_states()

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter (what Shopify uses), or `default`."""
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def host(self) -> str:
        return self.headers.get("Host") or self.headers.get("host") or "127.0.0.1"


@dataclass
class SandboxResponse:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls.raw_json(body, status, headers)

    @classmethod
    def raw_json(cls, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
        """Already-serialised JSON (replicas cache serialised products)."""
        return cls(status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8") -> SandboxResponse:
        return cls(status, {"Content-Type": content_type}, text.encode())

    @classmethod
    def html(cls, html: str, status: int = 200, headers: dict[str, str] | None = None) -> SandboxResponse:
        return cls(status, {"Content-Type": "text/html; charset=utf-8", **(headers or {})}, html.encode())

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> SandboxResponse:
        return cls(status, {"Location": location, "Content-Type": "text/html; charset=utf-8"}, b"")

    @classmethod
    def not_found(cls) -> SandboxResponse:
        # Shopify answers unknown JSON resources with this body.
        return cls.json({"errors": "Not Found"}, status=404)


class Replica(Protocol):
    def respond(self, request: SandboxRequest) -> SandboxResponse: ...


ReplicaFactory = Callable[[str, str], Replica]  # (marketplace_key, currency) -> Replica

REPLICAS: dict[str, ReplicaFactory] = {}

# Modules that register their replicas on import. A missing optional module (being written
# in parallel) is skipped, so the others still load.
_BUILTIN_MODULES = (
    "sandbox.replicas.rebag",
    "sandbox.replicas.vsp",
    "sandbox.replicas.stores",
    "sandbox.replicas.fashionphile",
)


def register_replica(key: str, factory: ReplicaFactory) -> None:
    """Make `key` servable; a later registration of the same key replaces the earlier one."""
    REPLICAS[key] = factory


def create_replica(key: str, currency: str) -> Replica:
    load_builtin_replicas()
    try:
        factory = REPLICAS[key]
    except KeyError:
        raise KeyError(f"no sandbox replica for marketplace {key!r}; known: {sorted(REPLICAS)}") from None
    return factory(key, currency)


def load_builtin_replicas() -> None:
    for module in _BUILTIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # the module exists but one of its imports is broken
                raise
