"""The buyer's report (issue 14): `radar report` over a 21-day sandbox lake writes one self-contained
HTML file with every section drawn from the marts, and Debian's headless Chromium opens it with
the network cut: no request but the file, no console error, every chart drawn. The screenshot
is docs/report.png (README.md shows it).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, cast

import duckdb
import pytest

from cli.main import main
from reports.buyer import DEAL_ROWS, _deals_section, build_report
from reports.marts import MartReader, Rows
from tests.conftest_browser import REPO, chromium  # noqa: F401 - the fixture
from tests.report_fixtures import report_data_dir, settings_for  # noqa: F401 - the fixture

SECTIONS = ("week", "days-to-sell", "price-trends", "movers", "markdowns", "retention", "procurement",
            "deals", "across-sites", "data-health")
SCREENSHOT = REPO / "docs" / "report.png"


@pytest.fixture(scope="module")
def report_file(report_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", "--data-dir", str(report_data_dir), "--out", str(out)]) == 0
    return out


def test_radar_report_writes_one_page_with_every_section_and_at_least_8_charts(report_file: Path) -> None:
    page = report_file.read_text(encoding="utf-8")
    charts = re.findall(r'<div class="chart" data-section="([a-z-]+)">', page)
    assert len(charts) >= 8
    assert set(charts) == set(SECTIONS)  # every section has a chart
    assert 'class="empty"' not in page
    for key in SECTIONS:
        section = re.search(rf'<section id="{key}">.*?</section>', page, re.S)
        assert section and re.search(r'<p class="how">[^<]{40,}</p>', section.group(0))  # its one-line guide
    # self-contained: no external script, stylesheet, font or image
    assert not re.search(r'<(script|img|link|iframe)[^>]+(src|href)=', page)
    assert "@import" not in page and "url(http" not in page
    assert page.count("<script") == 1 + len(charts)  # plotly.js inlined once, one call per chart


def test_the_week_in_numbers_are_the_marts_columns(report_data_dir: Path) -> None:
    report = build_report(settings_for(report_data_dir))
    with duckdb.connect(str(report_data_dir / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("select active_end, new_listings, sold_count, sold_count_wow_change, days_to_sell_median "
                          "from marts.report_market_weekly where week_start = ?", [report.week_start]).fetchone()
        # the new mart agrees with the segment mart it summarises
        segments = con.execute("select sum(active_end), sum(new_listings), sum(sold_count) from marts.kpi_segment_weekly "
                               "where week_start = ?", [report.week_start]).fetchone()
    assert row is not None and segments is not None
    assert tuple(row[:3]) == tuple(segments)
    assert str(report.week_start) == "2026-09-14"  # the latest full week: 09-21 is a Monday, the week just begun
    tiles = re.search(r'<div class="tiles">(.*?)</div></div></div>', report.html, re.S)
    assert tiles is not None
    values = re.findall(r'<div class="tile-value">([^<]+)</div>', report.html)
    assert values[:3] == [f"{row[0]:,}", f"{row[1]:,}", f"{row[2]:,}"]
    assert values[4] == f"{row[4]:,}"
    assert f"{row[3]:+,} vs last week" in report.html


def test_the_deals_section_shows_the_deals_mart(report_data_dir: Path) -> None:
    """Issue 15: the deals are in the report too: one dot per deal (days to sell, margin) and a table of the
    top deals with their links, every figure the mart's own."""
    report = build_report(settings_for(report_data_dir))
    with duckdb.connect(str(report_data_dir / "warehouse.duckdb"), read_only=True) as con:
        cursor = con.execute("select * from marts.deals order by deal_rank")
        columns = [d[0] for d in cursor.description]
        deals = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    assert len(deals) >= 3  # the fixture lake has deals (9 at scale 0.2), so the section is not empty
    section = next(s for s in report.sections if s.key == "deals")
    assert not section.empty and str(deals[0]["as_of_date"]) in section.title
    # the chart: one mark per deal with a days-to-sell estimate, at (expected_days_to_sell, expected_margin_usd)
    marks = sorted((trace.name, x, y, text.split(".")[0]) for trace in section.figures[0].data
                   for x, y, text in zip(trace.x, trace.y, trace.text, strict=True))
    assert marks == sorted((d["marketplace"], d["expected_days_to_sell"], d["expected_margin_usd"], str(d["deal_rank"]))
                           for d in deals if d["expected_days_to_sell"] is not None)
    assert all(d["url"] in str(section.figures[0].data) for d in deals if d["url"])  # the link is in the hover
    # the table: the top deals in rank order, each figure the mart's column formatted, and the product link
    table = re.search(r'<table class="ranking deals">(.*?)</table>', report.html, re.S)
    assert table is not None
    cells = [re.findall(r"<td>(.*?)</td>", f"<td>{row}") for row in re.findall(r"<tr><td>(.*?)</tr>", table.group(1))]
    top = deals[:DEAL_ROWS]
    assert len(cells) == len(top)
    for row, deal in zip(cells, top, strict=True):
        assert row[0] == str(deal["deal_rank"]) and row[2] == deal["marketplace"]
        assert row[3:8] == [f"${deal['ask_usd']:,.0f}", f"${deal['buy_cost_usd']:,.0f}", f"${deal['guide_price_usd']:,.0f}",
                            f"${deal['expected_margin_usd']:,.0f}", f"{deal['expected_margin_pct']:.1%}"]
        days = deal["expected_days_to_sell"]
        assert row[8] == (f"{days:,}" if days is not None else "n/a") and row[9] == deal["guide_confidence"]
        assert f'<a href="{deal["url"]}"' in row[10]


class _Deals:
    """A stand-in for MartReader that only holds marts.deals rows."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def table(self, mart: str, *, where: str = "", order_by: str = "") -> Rows:
        assert mart == "deals"
        columns = list(self.rows[0]) if self.rows else []
        return Rows(columns, [tuple(row.values()) for row in self.rows])


def test_a_deal_link_that_is_not_http_is_no_link_and_no_deals_says_so() -> None:
    deal = {"deal_rank": 1, "listing_id": "x1", "marketplace": "rebag", "brand": "Chanel", "model": "Classic Flap",
            "size": "Medium", "condition": "EXCELLENT", "as_of_date": date(2026, 9, 21), "ask_usd": 5000.0,
            "buy_cost_usd": 5000.0, "guide_price_usd": 7000.0, "expected_margin_usd": 2000.0,
            "expected_margin_pct": 0.4, "expected_days_to_sell": None, "guide_confidence": "B",
            "url": "javascript:alert(1)"}
    section = _deals_section(cast(MartReader, _Deals([deal])))
    assert "javascript" not in section.extra_html and "<a " not in section.extra_html
    assert "<td>$2,000</td><td>40.0%</td><td>n/a</td>" in section.extra_html
    assert section.figures == []  # no days-to-sell estimate: in the table only
    empty = _deals_section(cast(MartReader, _Deals([])))
    assert empty.empty.startswith("No listing on sale") and not empty.figures and not empty.extra_html


def test_week_option_picks_the_week_and_an_unknown_week_exits_2(report_data_dir: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "--data-dir", str(report_data_dir), "--week", "2026-09-09", "--out", str(out)]) == 0
    assert "the week of 2026-09-07" in out.read_text(encoding="utf-8")
    assert main(["report", "--data-dir", str(report_data_dir), "--week", "2025-01-01", "--out", str(tmp_path / "x.html")]) == 2
    assert "no week 2024-12-30 in marts.report_market_weekly" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
    assert main(["report", "--data-dir", str(tmp_path / "nothing"), "--out", str(tmp_path / "y.html")]) == 2
    assert "no warehouse" in capsys.readouterr().err


@pytest.mark.browser
def test_chromium_opens_the_report_offline_with_every_chart_drawn(chromium: None, report_file: Path) -> None:
    from playwright.sync_api import Request, Route, sync_playwright

    from crawlers.browser import launch_options

    url = report_file.as_uri()
    requests: list[str] = []
    errors: list[str] = []

    def only_the_file(route: Route, request: Request) -> None:
        requests.append(request.url)
        if request.url == url:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
            page = context.new_page()
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.route("**/*", only_the_file)
            page.goto(url, wait_until="load")
            charts = page.locator("div.chart").count()
            page.wait_for_function(f"() => document.querySelectorAll('div.chart svg.main-svg').length >= {charts}")
            drawn = page.evaluate("""() => [...document.querySelectorAll('div.chart')].map(chart => [
                chart.dataset.section,
                [...chart.querySelectorAll('svg.main-svg .trace path, svg.main-svg .hm image')].filter(mark => {
                    const box = mark.getBoundingClientRect();
                    return box.width > 0 && box.height > 0;
                }).length])""")
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert requests == [url]  # the page itself and nothing else
    assert errors == []
    assert charts >= 8 and len(drawn) == charts
    assert [section for section, marks in drawn if marks == 0] == []  # every chart has visible marks
    assert SCREENSHOT.stat().st_size > 50_000
