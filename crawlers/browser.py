"""scrapy-playwright settings for the spiders that need a browser (only fashionphile today).

Spiders that render pages put `playwright_settings()` into their own settings (see
`FashionphileSpider.update_settings`), so no other spider ever starts a browser.

Browser: RADAR_BROWSER_PATH (radar.settings `browser_path`), else Debian's /usr/bin/chromium
when present, else Playwright's own downloaded browser (`playwright install`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawlers.targets import host_refusal

DEFAULT_BROWSER_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
BROWSER_ENV = "RADAR_BROWSER_PATH"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
# Resource types a rendered listing never needs: aborting them keeps each page cheap.
BLOCKED_RESOURCE_TYPES = frozenset({"image", "media", "font", "stylesheet", "texttrack", "manifest"})
# Third-party noise a real storefront pulls in (analytics, ads, chat); never needed to render.
BLOCKED_URL_PARTS = (
    "google-analytics.com", "googletagmanager.com", "doubleclick.net", "facebook.net",
    "hotjar.com", "klaviyo.com", "gorgias.chat", "bat.bing.com", "/monorail/", "/web-pixels",
)
# Browser context options, passed per request (meta["playwright_context_kwargs"]).
CONTEXT_KWARGS: dict[str, Any] = {
    "java_script_enabled": True,
    "service_workers": "block",
    "viewport": {"width": 1280, "height": 900},
    "locale": "en-US",
}
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"


def browser_executable() -> str | None:
    """The Chromium to launch, or None to let Playwright use its own browser."""
    configured = os.environ.get(BROWSER_ENV, "").strip()
    if not configured:
        try:
            from radar.settings import RadarSettings

            configured = (RadarSettings().browser_path or "").strip()
        except Exception:  # noqa: BLE001 - a bad unrelated RADAR_ variable must not hide the browser
            configured = ""
    if configured:
        return configured
    for path in DEFAULT_BROWSER_PATHS:
        if Path(path).exists():
            return path
    return None


def browser_problem() -> str | None:
    """Why the browser cannot be launched here, or None when it looks usable."""
    path = browser_executable()
    if path is None:
        return (
            f"no Chromium: set {BROWSER_ENV} or install Debian's chromium "
            f"(apt-get install -y chromium); looked at {', '.join(DEFAULT_BROWSER_PATHS)}"
        )
    resolved = path if Path(path).exists() else shutil.which(path)
    if not resolved:
        return f"{BROWSER_ENV}={path!r} does not exist"
    if not os.access(resolved, os.X_OK):
        return f"browser {resolved!r} is not executable"
    return None


def launch_options(headless: bool = True) -> dict[str, Any]:
    options: dict[str, Any] = {"headless": headless, "args": list(CHROMIUM_ARGS)}
    path = browser_executable()
    if path:
        options["executable_path"] = path
    return options


def should_abort_request(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: drop images, fonts, stylesheets and third-party trackers, and
    whatever the page asks of a host no crawl may reach (crawlers/targets.py: a metadata,
    link-local, private or loopback address written as such or `localhost`; loopback and private
    ones only with RADAR_ALLOW_PRIVATE_TARGETS). Names are not resolved here: Chromium resolves
    them itself, so a public name that resolves to a private address is not caught in the browser."""
    if request.resource_type in BLOCKED_RESOURCE_TYPES:
        return True
    url = request.url
    if any(part in url for part in BLOCKED_URL_PARTS):
        return True
    parts = urlsplit(url)
    if parts.scheme in ("http", "https", "ws", "wss"):
        return host_refusal(parts.hostname or "") is not None
    return False


def playwright_settings(*, concurrency: int = 1, navigation_timeout_ms: int = 30_000) -> dict[str, Any]:
    """Scrapy settings that route requests with meta {"playwright": True} through Chromium.

    Requests without that meta still go through Scrapy's plain HTTP handler.
    """
    return {
        "DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER},
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": launch_options(),
        "PLAYWRIGHT_ABORT_REQUEST": should_abort_request,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max(1, concurrency),
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": navigation_timeout_ms,
        # No PLAYWRIGHT_CONTEXTS: startup contexts would launch Chromium when the engine starts
        # (once per handler, http and https) even for a crawl that renders nothing. Contexts
        # are created on the first rendered request from its meta["playwright_context_kwargs"].
    }


def never_abort(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST that loads everything (benchmark baseline)."""
    return False
