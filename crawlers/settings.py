"""Scrapy settings shared by every Resale Radar spider.

Per-site politeness (DOWNLOAD_DELAY, CONCURRENT_REQUESTS_PER_DOMAIN, AUTOTHROTTLE_*,
RETRY_TIMES, DOWNLOAD_TIMEOUT) comes from crawlers/marketplaces.yaml through each spider's
`update_settings` at 'spider' priority, so `-s DOWNLOAD_DELAY=0` on the command line (sandbox
runs) still wins. No credentials here; the lake location comes from RADAR_LAKE_URL
(radar.settings), read by the pipeline through from_crawler.

scrapy-playwright's DOWNLOAD_HANDLERS live only in the Fashionphile spider's custom_settings,
so a Shopify crawl never starts a browser.
"""

BOT_NAME = "resale_radar"

SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Path of the marketplaces config (None: env RADAR_MARKETPLACES_CONFIG, else the packaged file).
RADAR_MARKETPLACES_CONFIG = None

USER_AGENT = "ResaleRadarBot/0.1 (+market research; polite crawler; contact: data@resale-radar.invalid)"
ROBOTSTXT_OBEY = True

# Politeness defaults (overridden per site from marketplaces.yaml).
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30

# Retries: 5xx and timeouts by Scrapy's RetryMiddleware; 429 by RetryAfterMiddleware, which
# waits for Retry-After (capped by RADAR_RETRY_AFTER_MAX seconds) before retrying.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RADAR_RETRY_AFTER_MAX = 120.0
RADAR_RETRY_AFTER_DEFAULT = 5.0  # 429 without a usable Retry-After
RADAR_CHALLENGE_RETRIES = 1  # a 200 challenge page is retried this many times, then "blocked"

DOWNLOADER_MIDDLEWARES = {
    # process_request runs from low to high: TargetSite (50) refuses a request or redirect hop
    # that leaves the target's site before robots.txt (100) or anything else sees it.
    # process_response runs from high to low: RetryAfter (560) sees a 429 before Scrapy's
    # RetryMiddleware (550); Blocked (540) sees what is left after all retries.
    "crawlers.middlewares.TargetSiteMiddleware": 50,
    "crawlers.middlewares.RetryAfterMiddleware": 560,
    "crawlers.middlewares.BlockedResponseMiddleware": 540,
}

ITEM_PIPELINES = {
    "crawlers.pipelines.ValidateListingPipeline": 100,
    "crawlers.pipelines.LakeWriterPipeline": 900,
}
EXTENSIONS = {
    "crawlers.extensions.CrawlReport": 500,
}

# Every address Scrapy connects to passes the crawl-target rule (crawlers/targets.py), not only
# the one the spider checked at its start: a name that re-resolves to a private address is refused.
TWISTED_DNS_RESOLVER = "crawlers.resolver.PublicAddressResolver"

# Shopify JSON is never cached: each snapshot must be what the site showed that day.
HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port in unattended crawls
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
