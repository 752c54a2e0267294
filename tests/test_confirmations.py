"""Confirming disappearances (issue 10): each listing of the last complete snapshot that today's
walk did not see gets ONE request to its own page, through Scrapy (the site's delay and
concurrency apply), against the sandbox replicas on 127.0.0.1:

- still listed (hidden from the walk by the `hide` fault) -> an item marked recovered;
- sold, on a site that keeps sold pages (`shown_sold`) -> an item with available = False;
- gone (withdrawn; or sold where the page is 404) -> confirmed absent;
- no answer (5xx after retries) -> failed, and the snapshot is incomplete;
- more than max_confirmations -> the first ones asked, the snapshot incomplete.

Then the counts in the manifest and the marts, and the end to end case of the issue: a listing
hidden from the walk but still on the site is recovered every day and never sold in the marts.
Rebag (Shopify) crawls need no browser; the Fashionphile test does (the `browser` marker).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from radar.lake import Lake
from sandbox.market import Market
from sandbox.replicas.fashionphile import product_handle
from sandbox.server import SandboxServer
from tests.conftest_browser import chromium, run_crawl  # noqa: F401 (fixture)
from tests.test_models_support import query, transform, write_fx_rates
from tests.test_s3_lake import s3_endpoint, s3_lake  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
REBAG = "crawlers.spiders.rebag.RebagSpider"
FASHIONPHILE = "crawlers.spiders.fashionphile.FashionphileSpider"
WRITE_LAKE = {"crawlers.pipelines.ValidateListingPipeline": 100, "crawlers.pipelines.LakeWriterPipeline": 900}
DAY = date(2026, 9, 1)
LATER = DAY + timedelta(days=3)


def config(tmp_path: Path, **confirmations) -> Path:
    raw = yaml.safe_load((ROOT / "crawlers" / "marketplaces.yaml").read_text())
    raw["defaults"]["paging"] = {"page_size": 50, "max_items_per_collection": 25000}
    raw["defaults"]["confirmations"].update(confirmations)
    path = tmp_path / "marketplaces.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


def crawl(tmp_path: Path, spider: str, base_url: str, day: date, config_path: Path, **settings):
    return run_crawl(tmp_path, spider, {"base_url": base_url, "snapshot_date": day.isoformat()},
                     {"RADAR_MARKETPLACES_CONFIG": str(config_path), "RETRY_TIMES": 1, "ITEM_PIPELINES": WRITE_LAKE,
                      **settings})


def reasons(stats: dict) -> list[str]:
    return list(stats.get("radar/incomplete_reasons") or [])


def bag_states(market: Market, marketplace: str, day: date) -> dict[str, object]:
    return {str(s.listing.listing_id): s for s in market.visible(marketplace, day) if s.listing.is_bag}


def outcomes(market: Market, marketplace: str, before: set[str], day: date, hidden: set[str]) -> dict[str, set[str]]:
    """What each listing for sale in `before` and not in the walk of `day` really is (the market's truth)."""
    shown = bag_states(market, marketplace, day)
    sim = market._sim(marketplace)
    sold_ids = {str(item.listing.listing_id) for item in sim.items if item.sale_date is not None}
    missing = (before - set(shown)) | (before & hidden)
    return {
        "recovered": missing & hidden,
        "sold": {i for i in missing - hidden if i in sold_ids},
        "gone": {i for i in missing - hidden if i not in sold_ids},
    }


@pytest.fixture(scope="module")
def market() -> Market:
    market = Market(seed=11, start_date=DAY, scale=0.05)
    market.advance_to(LATER + timedelta(days=1))
    return market


def pick_hidden(market: Market, marketplace: str, days: list[date]) -> str:
    """A bag for sale on every one of `days` (the one the walk will not show)."""
    common = set.intersection(*({i for i, s in bag_states(market, marketplace, d).items() if s.available} for d in days))
    return sorted(common)[len(common) // 2]


# ---------------------------------------------------------------- Rebag (Shopify, .js)


def test_rebag_disappearances_are_recovered_shown_sold_or_confirmed_gone(tmp_path, market):
    hidden = pick_hidden(market, "rebag", [DAY, LATER])
    path = config(tmp_path)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        first, stats1, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], DAY, path)
        assert reasons(stats1) == []
        handle = next(i["raw_attributes"]["handle"] for i in first if i["listing_id"] == hidden)
        sandbox.set_day(LATER)
        sandbox.set_sold_page("rebag", "shown_sold")  # a sold listing keeps its page, shown sold
        sandbox.set_faults("rebag", hide=[handle])
        items, stats, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], LATER, path)
        asked = [p for p, _ in sandbox.requests("rebag") if p.endswith(".js")]
    before = {i["listing_id"] for i in first if i["available"]}
    truth = outcomes(market, "rebag", before, LATER, {hidden})
    assert truth["sold"] and truth["gone"] and truth["recovered"] == {hidden}  # every outcome is met
    assert len(asked) == len(set(asked)) == sum(map(len, truth.values()))  # one request per disappearance
    assert stats["radar/confirmations_requested"] == len(asked)
    assert stats["radar/listings_recovered"] == 1
    assert stats["radar/sales_confirmed"] == len(truth["sold"])
    assert stats["radar/disappearances_confirmed"] == len(truth["gone"])
    assert stats["radar/confirmations_failed"] == 0
    assert reasons(stats) == []  # the walk's gap (the hidden listing) is filled by the recovered one
    by_id = {i["listing_id"]: i for i in items}
    assert by_id[hidden]["available"] is True and by_id[hidden]["raw_attributes"]["recovered"] == "true"
    assert all(by_id[i]["available"] is False and "recovered" not in by_id[i]["raw_attributes"] for i in truth["sold"])
    assert not truth["gone"] & set(by_id)
    manifest = Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", LATER)
    assert manifest["complete"] is True
    assert (manifest["listings_recovered"], manifest["sales_confirmed"], manifest["disappearances_confirmed"]) == (
        1, len(truth["sold"]), len(truth["gone"]))


def test_rebag_sold_pages_are_not_found_by_default(tmp_path, market):
    path = config(tmp_path)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        first, _, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], DAY, path)
        sandbox.set_day(LATER)
        _, stats, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], LATER, path)
    truth = outcomes(market, "rebag", {i["listing_id"] for i in first if i["available"]}, LATER, set())
    assert stats["radar/sales_confirmed"] == 0  # Rebag unpublishes what it sold: 404 like a withdrawal
    assert stats["radar/disappearances_confirmed"] == len(truth["sold"]) + len(truth["gone"]) > 0


def test_a_failed_confirmation_makes_the_day_incomplete(tmp_path, market):
    path = config(tmp_path)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], DAY, path)
        sandbox.set_day(LATER)
        sandbox.set_faults("rebag", status_sequence=[500] * 1000, only_path="/products/")
        _, stats, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], LATER, path)
    assert stats["radar/confirmations_requested"] == stats["radar/confirmations_failed"] > 0
    assert stats["radar/disappearances_confirmed"] == stats["radar/listings_recovered"] == 0
    assert any("confirmations of a disappearance failed" in r for r in reasons(stats)), reasons(stats)
    assert Lake.from_url(str(tmp_path / "lake")).read_manifest("rebag", LATER)["complete"] is False


def test_more_disappearances_than_the_cap_are_bounded_and_incomplete(tmp_path, market):
    path = config(tmp_path, max_confirmations=2)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], DAY, path)
        sandbox.set_day(LATER)
        _, stats, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], LATER, path)
        asked = [p for p, _ in sandbox.requests("rebag") if p.endswith(".js")]
    assert len(asked) == stats["radar/confirmations_requested"] == 2
    assert any("more than max_confirmations 2" in r for r in reasons(stats)), reasons(stats)


def test_a_walk_with_a_failed_page_confirms_nothing(tmp_path, market):
    """An incomplete day never makes a sale: no request for every listing of a lost page."""
    path = config(tmp_path)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], DAY, path)
        sandbox.set_day(LATER)
        sandbox.set_faults("rebag", status_sequence=[500, 500], only_path="products.json")  # page 1 lost
        _, stats, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], LATER, path)
        asked = [p for p, _ in sandbox.requests("rebag") if p.endswith(".js")]
    assert asked == [] and stats["radar/confirmations_requested"] == 0
    assert stats["radar/confirmations_skipped"] == "walk incomplete"
    assert any("pages [1] missing" in r for r in reasons(stats)), reasons(stats)


def test_a_page_answered_empty_is_a_broken_walk_not_a_moving_site(tmp_path, market):
    """An empty page 2 ends the walk early, silently: the counts show a gap far larger than the
    site could have moved, so the day is incomplete and its listings are not asked one by one."""
    path = config(tmp_path)
    with SandboxServer(market, ["rebag"]) as sandbox:
        sandbox.set_day(DAY)
        crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], DAY, path)
        sandbox.set_day(LATER)
        sandbox.set_faults("rebag", drop_page=2, drop_mode="empty")
        _, stats, _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], LATER, path)
        asked = [p for p, _ in sandbox.requests("rebag") if p.endswith(".js")]
    assert asked == [] and stats["radar/confirmations_skipped"] == "walk incomplete"
    assert any("more than the site moved during the walk (allowed 5)" in r for r in reasons(stats)), reasons(stats)
    assert len([r for r in reasons(stats) if "collection all-bags" in r]) == 1  # said once


# ---------------------------------------------------------------- the marts, end to end


def test_a_listing_hidden_from_the_walk_but_still_listed_is_recovered_and_never_sold(tmp_path, market):
    """Issue 10: hidden from the walk three days running, still on the site -> recovered each day,
    active in marts.dim_listing; the confirmations' counts reach data_health_daily."""
    days = [DAY + timedelta(days=n) for n in range(4)]
    hidden = pick_hidden(market, "rebag", days)
    path = config(tmp_path)
    stats_by_day = {}
    with SandboxServer(market, ["rebag"]) as sandbox:
        for day in days:
            sandbox.set_day(day)
            if day > DAY:
                handle = sandbox._replicas["rebag"].handle_for(bag_states(market, "rebag", day)[hidden].listing)
                sandbox.set_faults("rebag", hide=[handle])
            _, stats_by_day[day], _ = crawl(tmp_path, REBAG, sandbox.base_urls["rebag"], day, path)
    assert all(reasons(stats) == [] for stats in stats_by_day.values())
    write_fx_rates(tmp_path / "lake", DAY - timedelta(days=10), days[-1])
    transform(tmp_path)
    listing = query(tmp_path, f"select status, last_seen_date from marts.dim_listing where listing_id = '{hidden}'")
    assert listing == [{"status": "active", "last_seen_date": days[-1]}]
    health = query(tmp_path, "select snapshot_date, is_complete, listings_recovered, disappearances_confirmed, "
                             "sales_confirmed, confirmations_failed, confirmations_requested, shifts_detected "
                             "from marts.data_health_daily where marketplace = 'rebag' order by snapshot_date")
    assert [row["snapshot_date"] for row in health] == days and all(row["is_complete"] for row in health)
    for row in health:
        stats = stats_by_day[row["snapshot_date"]]
        for column in ("listings_recovered", "disappearances_confirmed", "sales_confirmed", "confirmations_failed",
                       "confirmations_requested"):
            assert row[column] == stats[f"radar/{column}"], (row, column)
    assert [row["listings_recovered"] for row in health] == [0, 1, 1, 1]
    assert sum(row["disappearances_confirmed"] for row in health) > 0
    # every listing the marts call sold or withdrawn really left the site
    ended = query(tmp_path, "select listing_id from marts.dim_listing where status in ('sold', 'withdrawn')")
    still_listed = {i for i, s in bag_states(market, "rebag", days[-1]).items() if s.available}
    assert ended and not {row["listing_id"] for row in ended} & still_listed


def test_old_manifests_without_the_new_fields_read_as_null(tmp_path):
    from tests.test_models_support import write_day

    write_day(tmp_path / "lake", "rebag", DAY, [{"listing_id": "1", "url": "u", "title": "t", "price": 10,
                                                 "available": True, "brand_raw": "Chanel"}])
    transform(tmp_path, select=["staging.stg_crawl_manifests"])
    row = query(tmp_path, "select shifts_detected, listings_recovered, expected_count_after "
                          "from staging.stg_crawl_manifests")
    assert row == [{"shifts_detected": None, "listings_recovered": None, "expected_count_after": None}]


# ---------------------------------------------------------------- Fashionphile (product pages)


@pytest.mark.browser
def test_fashionphile_disappearances_are_confirmed_on_product_pages(tmp_path, market, chromium):
    hidden = pick_hidden(market, "fashionphile", [DAY, LATER])
    path = config(tmp_path)
    with SandboxServer(market, ["fashionphile"]) as sandbox:  # shown_sold: its product pages keep the badge
        sandbox.set_day(DAY)
        first, stats1, _ = crawl(tmp_path, FASHIONPHILE, sandbox.base_urls["fashionphile"], DAY, path)
        assert reasons(stats1) == []
        sandbox.set_day(LATER)
        sandbox.set_faults("fashionphile", hide=[product_handle(bag_states(market, "fashionphile", LATER)[hidden])])
        items, stats, _ = crawl(tmp_path, FASHIONPHILE, sandbox.base_urls["fashionphile"], LATER, path)
        asked = [p for p, _ in sandbox.requests("fashionphile") if p.startswith("/products/") and
                 not p.endswith(".json")]
    before = {i["listing_id"] for i in first if i["available"]}
    truth = outcomes(market, "fashionphile", before, LATER, {hidden})
    assert len(asked) == len(set(asked)) == stats["radar/confirmations_requested"] == sum(map(len, truth.values()))
    assert stats["radar/listings_recovered"] == 1
    assert stats["radar/sales_confirmed"] == len(truth["sold"])
    assert stats["radar/disappearances_confirmed"] == len(truth["gone"])
    assert stats["radar/confirmations_failed"] == 0
    assert reasons(stats) == []
    by_id = {i["listing_id"]: i for i in items}
    assert by_id[hidden]["raw_attributes"]["recovered"] == "true" and by_id[hidden]["available"] is True
    assert by_id[hidden]["price"] and by_id[hidden]["condition_raw"] and by_id[hidden]["brand_raw"]
    assert all(by_id[i]["available"] is False for i in truth["sold"])


def test_s3_manifests_of_both_ages_keep_the_new_counts(s3_lake):
    """On S3 the dataset takes the declared schema, not the first file's: an old manifest (no
    movement counts) found first must not hide a newer one's counts."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from radar.lake import MANIFEST_SCHEMA, listings_to_table, publish_partition
    from radar.settings import get_settings
    from transformations.sources import register_raw_sources_duckdb

    lake, _ = s3_lake
    empty = listings_to_table([])
    publish_partition(lake, "rebag", DAY, empty, {"complete": True, "item_count": 0})
    old_schema = pa.schema([f for f in MANIFEST_SCHEMA if f.name in ("item_count", "expected_count", "complete",
                                                                     "finish_reason", "incomplete_reasons")])
    old_row = pa.table({"item_count": [0], "expected_count": [0], "complete": [True], "finish_reason": ["finished"],
                        "incomplete_reasons": [""]}, schema=old_schema)
    pq.write_table(old_row, lake.manifest_table_path("rebag", DAY) + "/manifest.parquet", filesystem=lake.filesystem)
    publish_partition(lake, "rebag", DAY + timedelta(days=1), empty,
                      {"complete": True, "item_count": 0, "listings_recovered": 2, "shifts_detected": 1})
    con = duckdb.connect()
    register_raw_sources_duckdb(con, get_settings())
    rows = con.execute("select snapshot_date, listings_recovered, shifts_detected from raw.crawl_manifests "
                       "order by snapshot_date").fetchall()
    assert rows == [(DAY, None, None), (DAY + timedelta(days=1), 2, 1)]
