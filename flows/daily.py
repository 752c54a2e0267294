"""Prefect flows: the daily snapshot, crawl-only, transform-only and backfill.

Parameters are typed so a rerun from the Prefect UI is a form: a date, a list of
marketplaces. Each day is idempotent: a rerun replaces that day in the lake and the marts.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.client.schemas.objects import FlowRun
from prefect.states import State
from prefect.task_runners import ThreadPoolTaskRunner

from crawlers.config import check_marketplace_keys, get_marketplace
from flows.alerts import failure_message, incomplete_crawl_message, record_alert_posted
from flows.crawling import CrawlFailed, CrawlIncomplete, CrawlOutcome, run_crawl
from flows.digest import MODEL_COVERAGE_SQL, TOP_DEALS_SQL, TOP_MOVERS_SQL, model_coverage_message, top_movers_digest
from flows.slack import post_to_slack
from radar.settings import apply_prefect_blocks, get_settings

# Browser crawls are memory-heavy: at most this many run at once in one flow run. Across runs,
# this tag on their tasks carries a Prefect concurrency limit (deployments/setup_blocks.py).
BROWSER_CRAWL_SLOTS = threading.BoundedSemaphore(1)
BROWSER_CRAWL_TAG = "browser-crawl"


def is_browser_marketplace(marketplace: str) -> bool:
    return get_marketplace(marketplace).kind == "browser"


def _settings_at_start() -> None:
    """Blocks fill what the environment leaves unset; a bad RADAR_* value stops the run here."""
    apply_prefect_blocks()
    get_settings()


def _today() -> date:
    return datetime.now(UTC).date()


@task(retries=2, retry_delay_seconds=[30, 120], task_run_name="crawl-{marketplace}-{snapshot_date}")
def crawl_marketplace(
    marketplace: str, snapshot_date: date, base_url: str | None = None, crawl_settings: dict[str, str] | None = None
) -> CrawlOutcome:
    if is_browser_marketplace(marketplace):
        with BROWSER_CRAWL_SLOTS:
            return run_crawl(marketplace, snapshot_date, base_url, crawl_settings)
    return run_crawl(marketplace, snapshot_date, base_url, crawl_settings)


@task(retries=2, retry_delay_seconds=[60, 300], task_run_name="fx-rates-{feed}-{fetch_date}")
def fetch_fx_rates(fetch_date: date, feed: str = "hist-90d", base_url: str | None = None) -> dict[str, Any]:
    """The ECB's euro reference rates into the lake (raw/fx_rates/fetch_date=<d>/feed=<f>/); base_url
    overrides RADAR_ECB_BASE_URL (the sandbox). A failure leaves the lake's rates as they were."""
    from crawlers.ecb_rates import fetch_fx_rates as fetch

    result = fetch(fetch_date, feed, base_url=base_url, settings=get_settings())  # type: ignore[arg-type]
    return {"rows": result.row_count, "first_rate_date": result.first_rate_date.isoformat(),
            "last_rate_date": result.last_rate_date.isoformat(), "source_url": result.source_url}


@task(retries=1, retry_delay_seconds=30, task_run_name="transform-{start_date}-{end_date}")
def transform(start_date: date, end_date: date) -> dict[str, Any]:
    """The models on RADAR_ENGINE (DuckDB or Trino) for the days start..end, and every earlier day
    the lake has that an incremental model lacks (transformations/README.md, "Incremental by day")."""
    from transformations.runner import run_transformations

    settings = get_settings()
    return run_transformations(settings, start_date=start_date, end_date=end_date, dialect=settings.engine).summary()


@task(retries=1, retry_delay_seconds=30)
def warn_on_model_coverage(snapshot_date: date) -> list[str]:
    """Post a Slack warning for the marketplaces whose share of bags without a model, or without
    a seed alias, passed its threshold that day (marts.data_health_daily); returns their keys."""
    from transformations.runner import query

    columns, rows = query(get_settings(), MODEL_COVERAGE_SQL.format(day=snapshot_date.isoformat()))
    above = [dict(zip(columns, row)) for row in rows]
    if above:
        post_to_slack(*model_coverage_message(snapshot_date.isoformat(), above))
    return [row["marketplace"] for row in above]


@task(retries=1, retry_delay_seconds=30)
def post_daily_digest(snapshot_date: date, limit: int = 8, report_link: str | None = None, deals_limit: int = 5) -> int:
    """Post the week's rising and cooling models and the day's best deals (marts.deals) to Slack, with
    the link to the week's report when there is one; returns how many models were listed."""
    from transformations.runner import query

    columns, rows = query(get_settings(), TOP_MOVERS_SQL.format(limit=int(limit)))
    movers = [dict(zip(columns, row)) for row in rows]
    columns, rows = query(get_settings(), TOP_DEALS_SQL.format(limit=int(deals_limit)))
    deals = [dict(zip(columns, row)) for row in rows]
    post_to_slack(*top_movers_digest(snapshot_date.isoformat(), movers, report_link, deals))
    return len(movers)


@task(retries=1, retry_delay_seconds=30, task_run_name="report-{snapshot_date}")
def publish_weekly_report(snapshot_date: date) -> dict[str, str]:
    """Render the buyer's report from the marts into the lake (`reports/`, issue 14); returns its
    lake path and its link (the path locally, a presigned URL on S3: never logged)."""
    from reports.delivery import deliver_report

    delivered = deliver_report(get_settings())
    get_run_logger().info("the report for the week of %s: %s (%d charts)", delivered.week_start, delivered.path,
                          delivered.chart_count)
    return {"path": delivered.path, "link": delivered.link}


@task(retries=1, retry_delay_seconds=30)
def post_watchlist_alerts(snapshot_date: date, watchlist_path: str | None = None) -> dict[str, int]:
    """Post the day's new listings and price drops that match a watchlist rule (flows/watchlists.py),
    each listing once per change (recorded in the lake); no rules (no file, no Variable): nothing."""
    from flows.watchlists import CHANGES_SQL, load_watchlist, post_watchlist_matches
    from radar.lake import Lake
    from transformations.runner import query

    watchlist = load_watchlist(watchlist_path)
    if watchlist is None:
        return {"matched": 0, "posted": 0, "already_posted": 0, "not_delivered": 0}
    settings = get_settings()
    columns, rows = query(settings, CHANGES_SQL.format(day=snapshot_date.isoformat()))
    changes = [dict(zip(columns, row)) for row in rows]
    result = post_watchlist_matches(snapshot_date, watchlist, changes, Lake.from_url(settings.lake_url, settings), post_to_slack)
    return dict(vars(result))


def _refuse_past_days_on_live_sites(day: date, marketplaces: list[str], base_urls: dict[str, str] | None) -> None:
    """A live site only shows today: crawling it "for" another day would file today's market under that day."""
    live = [m for m in marketplaces if not (base_urls or {}).get(m)]
    if live and day != _today():
        raise ValueError(
            f"cannot crawl {day} from the live sites ({', '.join(live)}): they only show today ({_today()}). "
            "Use rebuild-marts to recompute past days from the lake."
        )


def _crawl_all(
    snapshot_date: date,
    marketplaces: list[str],
    base_urls: dict[str, str] | None,
    crawl_settings: dict[str, str] | None,
    crawl_retries: int = 2,
) -> tuple[list[CrawlOutcome], list[CrawlOutcome], list[str]]:
    """Crawl marketplaces in parallel; return complete outcomes, incomplete ones and the hard failures.

    An incomplete snapshot (its crawl task failed its checks) posts a warning and is not a failure
    of the run: it landed marked incomplete, so it never creates sales.
    """
    _refuse_past_days_on_live_sites(snapshot_date, marketplaces, base_urls)
    logger = get_run_logger()
    futures = {}
    for marketplace in marketplaces:
        task_for_site = crawl_marketplace.with_options(
            tags=[BROWSER_CRAWL_TAG] if is_browser_marketplace(marketplace) else [], retries=crawl_retries
        )
        base_url = (base_urls or {}).get(marketplace)
        futures[marketplace] = task_for_site.submit(marketplace, snapshot_date, base_url, crawl_settings)
    outcomes, incomplete, failures = [], [], []
    for marketplace, future in futures.items():
        result = future.result(raise_on_failure=False)
        if isinstance(result, CrawlIncomplete):
            o = result.outcome
            incomplete.append(o)
            post_to_slack(*incomplete_crawl_message(marketplace, snapshot_date.isoformat(), o.item_count, o.expected_count,
                                                    o.incomplete_reasons))
            logger.warning(str(result))  # landed, marked incomplete: a warning, not a failed run
        elif isinstance(result, BaseException):
            failures.append(f"{marketplace}: {result}")
        else:
            outcomes.append(result)
            logger.info("%s %s: %d items, complete", marketplace, snapshot_date, result.item_count)
    return outcomes, incomplete, failures


def _notify_failure(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """on_failure hook: post the flow, its date and marketplaces, the error and a link to the run.

    It reads no RadarSettings (the failure may be a bad setting: the Slack webhook is read on its
    own) and never raises: whatever goes wrong building the details, a shorter alert still goes out.
    """
    error = state.message or "unknown error"
    try:
        from prefect.settings import PREFECT_UI_URL

        params = flow_run.parameters or {}
        ui = PREFECT_UI_URL.value()
        run_url = f"{ui}/runs/flow-run/{flow_run.id}" if ui else None
        text, fields = failure_message(
            flow.name, run_url, error,
            date=str(params.get("snapshot_date") or params.get("start_date") or ""),
            marketplace=", ".join(params.get("marketplaces") or []) or "all",
            step=_failing_step(error),
        )
    except Exception as problem:  # noqa: BLE001 - an alert must still go out
        text, fields = failure_message(flow.name, None, error, run_id=str(flow_run.id), note=type(problem).__name__)
    if post_to_slack(text, fields):
        record_alert_posted(flow.name, flow_run.id, flow_run.flow_id)


def _failing_step(error: str) -> str:
    if "invalid settings" in error.lower():
        return "settings"
    if "crawl" in error.lower():
        return "crawl"
    if "audit" in error.lower() or "transform" in error.lower() or "model" in error.lower():
        return "transform"
    return "unknown"


@flow(
    name="daily-market-snapshot",
    task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]  # prefect's TaskRunner is invariant
    on_failure=[_notify_failure],
    on_crashed=[_notify_failure],
)
def daily_market_snapshot(
    snapshot_date: date | None = None,
    marketplaces: list[str] | None = None,
    base_urls: dict[str, str] | None = None,
    crawl_settings: dict[str, str] | None = None,
    post_digest: bool = False,
    crawl_retries: int = 2,
    fx_base_url: str | None = None,
    watchlist_path: str | None = None,
) -> dict[str, Any]:
    """Crawl every marketplace for one day, then rebuild that day in the marts.

    A crawl that is incomplete still lands (marked incomplete: it never creates sales) and posts a
    warning; a crawl that fails outright fails the run after the transform of what did land.

    Args:
        snapshot_date: the day to record (YYYY-MM-DD); empty = today (UTC).
        marketplaces: keys to crawl (rebag, vsp, fashionphile, dct, treasures, madison); empty = all configured.
        base_urls: per-marketplace base URL override (e.g. the sandbox); empty = the real sites.
        crawl_settings: extra Scrapy settings for every crawl (e.g. {"DOWNLOAD_DELAY": "0"} on the sandbox).
        post_digest: also post the week's top movers (rising and cooling models) to Slack, with the
            link to the week's report (rendered into the lake's reports/ on every run).
        crawl_retries: how often a failed or incomplete crawl is retried (after 30 s, then 120 s).
        fx_base_url: where the ECB's euro reference rates are fetched (e.g. the sandbox); empty = RADAR_ECB_BASE_URL.
        watchlist_path: a watchlist YAML file (docs/buyer-tools.md); empty = the Prefect Variable radar-watchlists, if set.
    """
    _settings_at_start()
    if watchlist_path:  # a bad rule stops the run here, before any crawl (WatchlistError names the rule)
        from flows.watchlists import load_watchlist

        load_watchlist(watchlist_path)
    day = snapshot_date or _today()
    chosen = check_marketplace_keys(marketplaces)
    fx = fetch_fx_rates.submit(day, "hist-90d", fx_base_url)
    outcomes, incomplete, failures = _crawl_all(day, chosen, base_urls, crawl_settings, crawl_retries)
    # A failed fetch still lets the day transform on the rates already in the lake (up to 7 days old).
    fx_result = fx.result(raise_on_failure=False)
    if isinstance(fx_result, BaseException):
        failures.append(f"ECB exchange rates: {fx_result}")
    transformed = transform(day, day)
    coverage_warnings = warn_on_model_coverage(day)
    watchlist_alerts = post_watchlist_alerts(day, watchlist_path)
    # The report is a product of the marts, not of the crawl: if it cannot be built the day still
    # counts, the run logs why and the digest goes out without a link.
    report_state = publish_weekly_report(day, return_state=True)
    report = report_state.result() if report_state.is_completed() else None
    if report is None:
        get_run_logger().warning("no report for %s: %s", day, report_state.message)
    if post_digest:
        post_daily_digest(day, report_link=report["link"] if report else None)
    if failures:
        raise CrawlFailed(f"crawl failed for {len(failures)} source(s) on {day}: " + " | ".join(failures))
    return {
        "snapshot_date": day.isoformat(),
        "crawled": {o.marketplace: o.item_count for o in outcomes},
        "incomplete": {o.marketplace: o.incomplete_reasons for o in incomplete},
        "fx_rates": fx_result,
        "model_coverage_warnings": coverage_warnings,
        "watchlist_alerts": watchlist_alerts,
        "report": report["path"] if report else None,
        "transform": transformed,
    }


@flow(name="crawl-marketplaces", task_runner=ThreadPoolTaskRunner(max_workers=4),  # type: ignore[arg-type]  # as above
      on_failure=[_notify_failure], on_crashed=[_notify_failure])
def crawl_marketplaces(
    snapshot_date: date | None = None,
    marketplaces: list[str] | None = None,
    base_urls: dict[str, str] | None = None,
    crawl_settings: dict[str, str] | None = None,
) -> dict[str, int]:
    """Crawl only (no transform): to retake one marketplace's day.

    Args:
        snapshot_date: the day to record (YYYY-MM-DD); empty = today (UTC).
        marketplaces: keys to crawl; empty = all configured.
        base_urls: per-marketplace base URL override; empty = the real sites.
        crawl_settings: extra Scrapy settings for every crawl.
    """
    _settings_at_start()
    day = snapshot_date or _today()
    outcomes, _incomplete, failures = _crawl_all(day, check_marketplace_keys(marketplaces), base_urls, crawl_settings)
    if failures:
        raise CrawlFailed(" | ".join(failures))
    return {o.marketplace: o.item_count for o in outcomes}


@flow(name="rebuild-marts", on_failure=[_notify_failure], on_crashed=[_notify_failure])
def rebuild_marts(start_date: date, end_date: date | None = None) -> dict[str, Any]:
    """Transform only: rebuild the daily models for a date range from the lake.

    Args:
        start_date: first snapshot day to rebuild.
        end_date: last snapshot day to rebuild; empty = start_date only.
    """
    _settings_at_start()
    end = end_date or start_date
    if end < start_date:
        raise ValueError(f"end_date {end} is before start_date {start_date}")
    return transform(start_date, end)


@flow(name="backfill", on_failure=[_notify_failure], on_crashed=[_notify_failure])
def backfill(
    start_date: date,
    end_date: date,
    marketplaces: list[str] | None = None,
    base_urls: dict[str, str] | None = None,
    crawl_settings: dict[str, str] | None = None,
    fx_base_url: str | None = None,
) -> list[dict[str, Any]]:
    """Fetch the ECB's whole rate history once, then run the daily snapshot for each day of a
    range, oldest first (each day is idempotent).

    Crawling a past day only makes sense against a site that can serve that day (the sandbox);
    on the real sites, use rebuild-marts to recompute past days from the lake.

    Args:
        start_date: first day.
        end_date: last day (inclusive).
        marketplaces: keys to crawl; empty = all configured.
        base_urls: per-marketplace base URL override; empty = the real sites.
        crawl_settings: extra Scrapy settings for every crawl.
        fx_base_url: where the ECB's euro reference rates are fetched; empty = RADAR_ECB_BASE_URL.
    """
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    days = [start_date + timedelta(days=i) for i in range((end_date - start_date).days + 1)]
    fetch_fx_rates(end_date, "hist", fx_base_url)  # the 90-day file of a day in the range may not reach back to it
    return [daily_market_snapshot(day, marketplaces, base_urls, crawl_settings, fx_base_url=fx_base_url) for day in days]
