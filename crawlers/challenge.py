"""What a bot challenge or access-denied page says: the one list of markers every crawl checks.

Used by the downloader middleware (crawlers/middlewares.py: an HTML page where JSON was
expected, or a page title) and by the Fashionphile parser (crawlers/parsers/fashionphile.py: a
rendered page with no cards). Markers of the interstitials seen on resale sites: Cloudflare's
"Just a moment..." (cf-chl, challenge-platform, challenge-running, cf-turnstile), PerimeterX
(px-captcha, px-block, "Access to this page has been denied"), DataDome (captcha-delivery), Akamai/Incapsula ("Access denied",
"Request unsuccessful"), and the generic "verify you are human" / "are you a robot".
"""

from __future__ import annotations

import re

CHALLENGE_MARKERS = re.compile(
    r"just a moment|captcha|access denied|attention required|cf-chl|cf-challenge|cf-turnstile"
    r"|challenge-platform|challenge-running|are you a robot|verify you are human|px-block"
    r"|request unsuccessful|access to this page has been denied",
    re.IGNORECASE,
)


def challenge_marker(text: str | bytes) -> str | None:
    """The first challenge marker in `text` (lower-cased), or None."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    found = CHALLENGE_MARKERS.search(text)
    return found.group(0).lower() if found else None
