"""The sandbox's euro reference rates, published like the ECB's, and the USD rule they imply.

The market's own FX (sandbox.market.FxRates) moves every calendar day in units per USD. The ECB
publishes once per TARGET business day, per EUR, rounded: this module turns the market's rates
into those quotes, serves them in the ECB's files (`eurofxref-daily.xml`,
`eurofxref-hist-90d.xml`, `eurofxref-hist.zip`) and gives the ground truth the exact rule the
pipeline applies: a price converts at the rate of the last publication day on or before its day.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.replicas import SandboxRequest, SandboxResponse

if TYPE_CHECKING:
    from sandbox.market import Market

FEED_PATH = "/stats/eurofxref/"
# Quoted currencies and the decimals the ECB prints them with (USD 1.0938, CAD 1.5063, GBP 0.83705).
QUOTED_DECIMALS = {"USD": 4, "CAD": 4, "GBP": 5}
# TARGET closing days with a fixed date (Good Friday and Easter Monday are left out here).
FIXED_HOLIDAYS = ((1, 1), (5, 1), (12, 25), (12, 26))
HIST_90D_DAYS = 90


def is_publication_day(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


def last_publication_day(day: date) -> date:
    while not is_publication_day(day):
        day -= timedelta(days=1)
    return day


def quotes(market: Market, day: date) -> dict[str, Decimal]:
    """Units per EUR of each quoted currency on a publication day, rounded as the ECB prints them."""
    eur_per_usd = market.fx_rate("EUR", day)
    return {
        currency: (market.fx_rate(currency, day) / eur_per_usd).quantize(Decimal(1).scaleb(-digits))
        for currency, digits in QUOTED_DECIMALS.items()
    }


def usd_per_unit(market: Market, currency: str, day: date) -> Decimal:
    """USD for 1 unit of `currency` on `day`: the quotes of the last publication day on or before it."""
    if currency == "USD":
        return Decimal(1)
    quoted = quotes(market, last_publication_day(day))
    units_per_eur = Decimal(1) if currency == "EUR" else quoted[currency]
    return quoted["USD"] / units_per_eur


def publication_days(market: Market, first: date, last: date) -> list[date]:
    """Publication days in first..last (never before the market's history starts), newest first."""
    first = max(first, market.history_start)
    return [d for d in (last - timedelta(days=i) for i in range((last - first).days + 1)) if is_publication_day(d)]


def render_xml(market: Market, days: list[date]) -> bytes:
    """A gesmes:Envelope as the ECB writes it, one dated Cube per day (newest first)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">',
        "\t<gesmes:subject>Reference rates</gesmes:subject>",
        "\t<gesmes:Sender>",
        "\t\t<gesmes:name>European Central Bank</gesmes:name>",
        "\t</gesmes:Sender>",
        "\t<Cube>",
    ]
    for day in days:
        lines.append(f"\t\t<Cube time='{day.isoformat()}'>")
        lines += [f"\t\t\t<Cube currency='{c}' rate='{r}'/>" for c, r in quotes(market, day).items()]
        lines.append("\t\t</Cube>")
    lines += ["\t</Cube>", "</gesmes:Envelope>"]
    return ("\n".join(lines) + "\n").encode()


def render_hist_zip(market: Market, days: list[date]) -> bytes:
    """eurofxref-hist.zip: the CSV (header Date,<currencies>, newest first, trailing comma)."""
    rows = ["Date," + ",".join(QUOTED_DECIMALS) + ","]
    for day in days:
        rows.append(day.isoformat() + "," + ",".join(str(r) for r in quotes(market, day).values()) + ",")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", "\n".join(rows) + "\n")
    return buffer.getvalue()


def feed_file(market: Market, name: str, day: date) -> bytes | None:
    """One of the ECB's files as published by the end of `day` (None for an unknown name)."""
    if name == "eurofxref-daily.xml":
        return render_xml(market, publication_days(market, day - timedelta(days=10), day)[:1])
    if name == "eurofxref-hist-90d.xml":
        return render_xml(market, publication_days(market, day - timedelta(days=HIST_90D_DAYS - 1), day))
    if name == "eurofxref-hist.zip":
        return render_hist_zip(market, publication_days(market, market.history_start, day))
    return None


class EcbFeedReplica:
    """The ECB's three files as of the sandbox's day: only what was published on or before it."""

    def __init__(self, market: Market, lock) -> None:
        self.market = market
        self.lock = lock  # the server's market lock: the market's FX cache is not thread-safe

    def respond(self, request: SandboxRequest) -> SandboxResponse:
        name = request.path.removeprefix(FEED_PATH) if request.path.startswith(FEED_PATH) else ""
        with self.lock:
            body = feed_file(self.market, name, request.day)
        if body is None:
            return SandboxResponse.text("Not Found", status=404, content_type="text/html; charset=utf-8")
        content_type = "application/zip" if name.endswith(".zip") else "text/xml"
        return SandboxResponse(200, {"Content-Type": content_type}, body)
