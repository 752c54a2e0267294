"""Where a crawl may go: http(s) on public addresses, without credentials, on the target's own site.

    check_target("https://shop.rebag.com")            # the URL, or TargetError saying why not
    check_resolved("https://shop.rebag.com")          # + every address the name resolves to
    same_site("https://shop.rebag.com", url)          # may a request or redirect go there?
    redact_url("http://u:pw@host/x")                  # "http://***@host/x" (for messages)

Refused, always: a scheme other than http(s); credentials in the URL (`user:pw@`); a host that
is link-local (169.254.0.0/16, the cloud metadata service, fe80::/10), a known metadata
address (fd00:ec2::254, 100.100.100.200), unspecified, multicast, reserved, or not globally
routable; an IPv4 address written any way but dotted-quad (2130706433, 0x7f000001, 0177.0.0.1,
127.1: resolvers read these as addresses); an IPv6 address wrapping a refused IPv4 one
(6to4, NAT64, Teredo).
Refused unless RADAR_ALLOW_PRIVATE_TARGETS (radar.settings `allow_private_targets`, the sandbox
and tests only): loopback (127.0.0.0/8, ::1, `localhost`, `*.localhost`), private (10/8,
172.16/12, 192.168/16, fc00::/7) and CGNAT (100.64/10) addresses.

A host name is resolved once when the crawl starts (`check_resolved`, socket.getaddrinfo):
every address it resolves to must pass, and a name that does not resolve fails the crawl.
Error messages never carry the URL's credentials (`redact_url`).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SETTING = "RADAR_ALLOW_PRIVATE_TARGETS"

# Loopback is told by the address; these are the other "private" ranges a sandbox may use.
PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
# Cloud metadata services outside link-local: refused even when private targets are allowed.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in ("fd00:ec2::254", "100.100.100.200"))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# A label an IPv4 parser reads as a number: decimal, octal (leading 0) or hex (0x...).
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetError(ValueError):
    """A crawl target (or a request or redirect of a crawl) that is refused, and why."""


def allow_private_default() -> bool:
    from radar.settings import get_settings

    return get_settings().allow_private_targets


def redact_url(url: str) -> str:
    """The URL with any `user:password@` replaced by `***@` (for logs and error messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable URL>"
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def check_target(url: str, *, allow_private: bool | None = None, what: str = "base_url",
                 allow_path: bool = False) -> str:
    """`url` when a crawl may start there (no DNS: see `check_resolved`), else TargetError."""
    shown = redact_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise TargetError(f"{what} {shown} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"{what} must be http(s)://host[:port], got {shown}")
    if "@" in parts.netloc:
        raise TargetError(f"{what} {shown} must not carry credentials (user:password@); refused")
    if not allow_path and parts.path not in ("", "/"):
        raise TargetError(f"{what} must be http(s)://host[:port] with no path, got {shown}")
    why = host_refusal(parts.hostname, allow_private=allow_private)
    if why:
        raise TargetError(f"{what} {shown} is refused: {why}")
    return url


def host_refusal(host: str, *, allow_private: bool | None = None) -> str | None:
    """Why a crawl may not reach `host` (a name or a literal address), or None."""
    host = host.lower().rstrip(".")
    if not host:
        return "no host"
    address = _literal_address(host)
    if address is None:
        labels = host.split(".")
        if all(_NUMERIC_LABEL.match(label) for label in labels) or _NUMERIC_LABEL.match(labels[-1]):
            return f"{host} is a numeric host but not a dotted-quad IPv4 address; write the address plainly"
        if host in LOCAL_NAMES or host.endswith(".localhost"):
            return _private_refusal(f"{host} names this machine (loopback)", allow_private)
        return None
    return address_refusal(address, allow_private=allow_private)


def address_refusal(address: IPAddress, *, allow_private: bool | None = None) -> str | None:
    """Why a crawl may not reach `address`, or None (a public address)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_refusal(address.ipv4_mapped, allow_private=allow_private)
        wrapped = _wrapped_ipv4(address)
        if wrapped is not None and address_refusal(wrapped, allow_private=False):
            return f"{address} wraps {wrapped}, which is not a public address"
    if address in METADATA_ADDRESSES or address.is_link_local:
        return f"{address} is link-local or a cloud metadata address"
    if address.is_loopback:  # before `reserved`: ::1 is in ::/8
        return _private_refusal(f"{address} is a loopback address", allow_private)
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return f"{address} is an unspecified, multicast or reserved address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return f"{address} is a site-local address"
    if any(address in network for network in PRIVATE_NETWORKS):
        return _private_refusal(f"{address} is a private address", allow_private)
    if not address.is_global:
        return f"{address} is not a globally routable address"
    return None


def check_resolved(url: str, *, allow_private: bool | None = None, what: str = "base_url") -> list[str]:
    """Resolve the URL's host (socket.getaddrinfo); every address must pass. Returns the addresses.

    A name that does not resolve is a TargetError too: the crawl cannot start."""
    check_target(url, allow_private=allow_private, what=what, allow_path=True)
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        answers = socket.getaddrinfo(host, parts.port or _DEFAULT_PORTS[parts.scheme], proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise TargetError(f"{what} {redact_url(url)}: {host} does not resolve ({error})") from None
    addresses: list[str] = []
    for *_, sockaddr in answers:
        text = str(sockaddr[0]).split("%", 1)[0]
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise TargetError(f"{what} {redact_url(url)}: {host} does not resolve (no address)")
    for text in addresses:
        why = address_refusal(ipaddress.ip_address(text), allow_private=allow_private)
        if why:
            raise TargetError(f"{what} {redact_url(url)} is refused: {host} resolves to {why}")
    return addresses


def same_site(origin: str, url: str) -> bool:
    """May a crawl of `origin` request (or be redirected to) `url`?

    The same host (with or without a leading `www.`) on the same port, or http -> https on the
    scheme's default ports; never credentials, never another scheme, never a downgrade."""
    try:
        here, there = urlsplit(origin), urlsplit(url)
        here_port, there_port = _port(here), _port(there)
    except (ValueError, KeyError):
        return False
    if there.scheme not in _DEFAULT_PORTS or "@" in there.netloc:
        return False
    if _site_host(here.hostname) != _site_host(there.hostname) or not there.hostname:
        return False
    if here.scheme == there.scheme:
        return here_port == there_port
    return (here.scheme, there.scheme) == ("http", "https") and here_port == 80 and there_port == 443


def _port(parts: SplitResult) -> int:
    return parts.port or _DEFAULT_PORTS[parts.scheme]


def _site_host(host: str | None) -> str:
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _private_refusal(why: str, allow_private: bool | None) -> str | None:
    if allow_private is None:
        allow_private = allow_private_default()
    if allow_private:
        return None
    return f"{why}; crawl targets must be public ({SETTING}=true is for the local sandbox and tests only)"


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _wrapped_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
