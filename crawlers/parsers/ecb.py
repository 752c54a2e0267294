"""The European Central Bank's euro reference rates: parse only (no network, no lake).

Formats (https://www.ecb.europa.eu/stats/eurofxref/; real extracts in tests/fixtures/fx/):
- `eurofxref-daily.xml` and `eurofxref-hist-90d.xml`: a `gesmes:Envelope` whose
  `Cube/Cube[@time=YYYY-MM-DD]/Cube[@currency, @rate]` elements hold the rates, one dated
  Cube per published day (one in the daily file, about 64 in the 90-day file);
- `eurofxref-hist.zip` holding `eurofxref-hist.csv`: a header `Date,USD,JPY,...`, newest day
  first, `N/A` where a currency was not quoted that day, a trailing comma on every line.

A rate is units of the currency per 1 EUR. Published on TARGET business days only: no rows for
weekends and holidays. Anything malformed raises EcbFeedError naming what and where; a parser
never guesses a rate.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree

DAILY_XML = "eurofxref-daily.xml"
HIST_90D_XML = "eurofxref-hist-90d.xml"
HIST_ZIP = "eurofxref-hist.zip"
HIST_CSV = "eurofxref-hist.csv"

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
NOT_QUOTED = "N/A"
_CUBE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}Cube"


class EcbFeedError(ValueError):
    """The feed is not in the ECB's format (or holds no rate at all)."""


@dataclass(frozen=True)
class EcbRate:
    rate_date: date
    currency: str  # ISO 4217
    units_per_eur: float


def parse_feed(file_name: str, content: bytes) -> list[EcbRate]:
    """Parse one of the ECB's files, chosen by its name (the last part of the URL)."""
    if file_name.endswith(".xml"):
        return parse_xml(content)
    if file_name.endswith(".zip"):
        return parse_zip(content)
    if file_name.endswith(".csv"):
        return parse_csv(content.decode("utf-8-sig"))
    raise EcbFeedError(f"unknown ECB file {file_name!r}: expected .xml, .zip or .csv")


def parse_xml(content: bytes) -> list[EcbRate]:
    """The daily or 90-day XML: every Cube[@time] with its Cube[@currency, @rate] children."""
    try:
        root = ElementTree.fromstring(content)
    except (ParseError, ValueError) as error:  # defusedxml's refusals are ValueErrors too
        raise EcbFeedError(f"ECB XML does not parse: {error}") from error
    if not root.tag.endswith("Envelope"):
        raise EcbFeedError(f"ECB XML: root element is {root.tag!r}, expected gesmes:Envelope")
    rates = []
    for day_cube in root.iter(_CUBE):
        if "time" not in day_cube.attrib:
            continue  # the outer Cube that holds the days
        day = _date(day_cube.attrib["time"], "Cube/@time")
        for cube in day_cube.findall(_CUBE):
            rates.append(_rate(day, cube.attrib.get("currency", ""), cube.attrib.get("rate", ""), f"Cube[@time={day}]"))
    return _non_empty(_unique(rates), "XML")


def parse_csv(text: str) -> list[EcbRate]:
    """The historical CSV: one line per day, one column per currency, `N/A` when not quoted."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0] or rows[0][0].strip() != "Date":
        raise EcbFeedError("ECB CSV: the first line must be the header Date,USD,JPY,...")
    width = len(rows[0])  # every line has the same number of cells, the trailing comma's empty one included
    header = [name.strip() for name in rows[0]]
    while header and header[-1] == "":  # the trailing comma
        header.pop()
    for code in header[1:]:
        if not CURRENCY_CODE.match(code):
            raise EcbFeedError(f"ECB CSV: header column {code!r} is not a currency code")
    rates = []
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [cell.strip() for cell in row]
        if len(cells) != width or any(cells[len(header):]):
            raise EcbFeedError(f"ECB CSV line {line_no}: {len(cells)} cells where the header has {width}")
        day = _date(cells[0], f"line {line_no}")
        for code, value in zip(header[1:], cells[1 : len(header)]):
            if value == "":
                raise EcbFeedError(f"ECB CSV line {line_no}: no value for {code} (not quoted is N/A)")
            if value != NOT_QUOTED:
                rates.append(_rate(day, code, value, f"line {line_no}"))
    return _non_empty(_unique(rates), "CSV")


def parse_zip(content: bytes) -> list[EcbRate]:
    """eurofxref-hist.zip: the CSV inside it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [n for n in archive.namelist() if n.endswith(".csv")]
            if len(names) != 1:
                raise EcbFeedError(f"ECB zip: expected one CSV file, found {archive.namelist()}")
            text = archive.read(names[0]).decode("utf-8-sig")
    except zipfile.BadZipFile as error:
        raise EcbFeedError(f"ECB zip does not open: {error}") from error
    return parse_csv(text)


def _date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EcbFeedError(f"ECB feed {where}: {value!r} is not a YYYY-MM-DD date") from None


def _rate(day: date, currency: str, value: str, where: str) -> EcbRate:
    if not CURRENCY_CODE.match(currency):
        raise EcbFeedError(f"ECB feed {where}: {currency!r} is not a currency code")
    try:
        units = float(value)
    except ValueError:
        raise EcbFeedError(f"ECB feed {where}: rate {value!r} of {currency} is not a number") from None
    if not units > 0 or units == float("inf"):
        raise EcbFeedError(f"ECB feed {where}: rate {value!r} of {currency} is not a positive number")
    return EcbRate(day, currency, units)


def _unique(rates: list[EcbRate]) -> list[EcbRate]:
    seen: dict[tuple[date, str], EcbRate] = {}
    for rate in rates:
        key = (rate.rate_date, rate.currency)
        if key in seen and seen[key].units_per_eur != rate.units_per_eur:
            raise EcbFeedError(f"ECB feed: two different rates for {rate.currency} on {rate.rate_date}")
        seen[key] = rate
    return sorted(seen.values(), key=lambda r: (r.rate_date, r.currency))


def _non_empty(rates: list[EcbRate], kind: str) -> list[EcbRate]:
    if not rates:
        raise EcbFeedError(f"ECB {kind} holds no rate")
    return rates
