"""The buyer's weekly report: one self-contained HTML page (Plotly with its JavaScript inlined,
no external script, font or image), built from the marts.

Every number on the page is a mart column (marts.report_* were added for the figures no other
mart had); the code here only picks rows (a week, the top N by a mart's own rank) and formats.
Sections and what they read: docs/report.md.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from radar.settings import RadarSettings
from reports.marts import MartReader, ReportError, Rows

TOP_MODELS = 12  # models in "days to sell by model"
TREND_MODELS = 8  # models in "price trends"
TREND_WEEKS = 12
MOVERS = 10  # rising and cooling models shown, each
RETENTION_MODELS = 30
PROCUREMENT_ROWS = 15
DEAL_MARKS = 100  # deals drawn in the chart (by deal_rank)
DEAL_ROWS = 15  # deals in the table
SPREAD_GROUPS = 10
HEALTH_DAYS = 28

PLOT_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["toImage"]}
LAYOUT: dict[str, Any] = {"template": "plotly_white", "height": 380, "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
                          "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"}}


@dataclass
class Section:
    key: str
    title: str
    how_to_read: str
    figures: list[go.Figure] = field(default_factory=list)
    extra_html: str = ""
    empty: str = ""  # why there is no chart (no rows in the mart)


@dataclass
class Report:
    week_start: date
    as_of_date: date
    sections: list[Section]
    html: str

    @property
    def chart_count(self) -> int:
        return sum(len(section.figures) for section in self.sections)


def _label(brand: Any, model: Any) -> str:
    return f"{brand} {model}" if brand else str(model)


def _number(value: Any, kind: str = "int") -> str:
    if value is None:
        return "n/a"
    if kind == "rate":
        return f"{value:.1%}"
    if kind == "points":
        return f"{value * 100:+.1f} pts"
    if kind == "usd":
        return f"${value:,.0f}"
    if kind == "signed":
        return f"{value:+,}"
    return f"{value:,}"


def _layout(figure: go.Figure, **extra: Any) -> go.Figure:
    figure.update_layout(**{**LAYOUT, **extra})
    return figure


def choose_week(weeks: Rows, week: date | None) -> dict[str, Any]:
    """The report's week: the one asked for, else the latest full week (else the latest)."""
    rows = weeks.dicts()
    if not rows:
        raise ReportError("marts.report_market_weekly has no weeks: the lake has no snapshot yet")
    if week is not None:
        monday = week.fromordinal(week.toordinal() - week.weekday())
        for row in rows:
            if row["week_start"] == monday:
                return row
        known = ", ".join(str(row["week_start"]) for row in rows)
        raise ReportError(f"no week {monday} in marts.report_market_weekly (weeks: {known})")
    full = [row for row in rows if row["is_full_week"]]
    return (full or rows)[-1]


def _week_section(marts: MartReader, weeks: Rows, chosen: dict[str, Any]) -> Section:
    section = Section(
        "week", f"The week in numbers: {chosen['week_start']} to {chosen['week_end']}",
        "Each tile is this week's figure with the change against last week; the chart shows the last weeks' "
        "sales and new listings (bars) and the supply on sale at each week's end (line).")
    tiles = [
        ("Supply (on sale at week end)", chosen["active_end"], chosen["active_end_wow_change"], "int", "signed"),
        ("New listings", chosen["new_listings"], chosen["new_listings_wow_change"], "int", "signed"),
        ("Sales", chosen["sold_count"], chosen["sold_count_wow_change"], "int", "signed"),
        ("Sell-through", chosen["sell_through_rate"], chosen["sell_through_rate_wow_change"], "rate", "points"),
        ("Median days to sell", chosen["days_to_sell_median"], chosen["days_to_sell_median_wow_change"], "int",
         "signed"),
    ]
    cells = "".join(
        f'<div class="tile"><div class="tile-name">{html.escape(name)}</div>'
        f'<div class="tile-value">{_number(value, kind)}</div>'
        f'<div class="tile-change">{_number(change, change_kind) if change is not None else "no week before"}'
        f' vs last week</div></div>'
        for name, value, change, kind, change_kind in tiles
    )
    section.extra_html = f'<div class="tiles">{cells}</div>'
    shown = [row for row in weeks.dicts() if row["week_start"] <= chosen["week_start"]]
    labels = [str(row["week_start"]) for row in shown]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_trace(go.Bar(x=labels, y=[row["sold_count"] for row in shown], name="sales"))
    figure.add_trace(go.Bar(x=labels, y=[row["new_listings"] for row in shown], name="new listings"))
    figure.add_trace(go.Scatter(x=labels, y=[row["active_end"] for row in shown], name="supply at week end",
                                mode="lines+markers"), secondary_y=True)
    figure.update_yaxes(title_text="listings", secondary_y=False)
    figure.update_yaxes(title_text="supply", secondary_y=True)
    section.figures.append(_layout(figure, barmode="group", xaxis={"title": "week (Monday)", "type": "category"}))
    return section


def _days_to_sell_section(marts: MartReader) -> Section:
    section = Section(
        "days-to-sell", "Days to sell by model",
        f"The {TOP_MODELS} models with the most sales in the window: the box holds the middle half of their sales' "
        "days to sell, the line in it is the median, the whiskers reach the 10th and 90th percentiles.")
    rows = marts.table("report_model_days_to_sell", where=f"sales_rank <= {TOP_MODELS}", order_by="sales_rank").dicts()
    if not rows:
        section.empty = "No model has enough sales in the window yet."
        return section
    names = [f"{_label(r['brand'], r['model'])} ({r['sold_count']} sold)" for r in rows]
    figure = go.Figure(go.Box(
        y=names, q1=[r["days_to_sell_p25"] for r in rows], median=[r["days_to_sell_median"] for r in rows],
        q3=[r["days_to_sell_p75"] for r in rows], lowerfence=[r["days_to_sell_p10"] for r in rows],
        upperfence=[r["days_to_sell_p90"] for r in rows], orientation="h", name="days to sell",
        boxpoints=False))
    section.figures.append(_layout(figure, xaxis_title="days to sell", yaxis={"autorange": "reversed"},
                                   height=60 + 32 * len(rows), showlegend=False))
    return section


def _price_trend_section(marts: MartReader, week_start: date) -> Section:
    section = Section(
        "price-trends", "Price trends per model",
        f"Median sale price per week of the {TREND_MODELS} models with the most sales, over the last "
        f"{TREND_WEEKS} weeks; a gap is a week without sales of that model.")
    top = marts.table("report_model_days_to_sell", where=f"sales_rank <= {TREND_MODELS}", order_by="sales_rank")
    figure = go.Figure()
    for row in top.dicts():
        brand, model = (row["brand"] or "Unknown").replace("'", "''"), row["model"].replace("'", "''")
        weeks = marts.table(
            "kpi_model_trends",
            where=(f"brand = '{brand}' and model = '{model}' and week_start <= date '{week_start}' "
                   f"and week_start > date_add('week', -{TREND_WEEKS}, date '{week_start}')"),
            order_by="week_start").dicts()
        figure.add_trace(go.Scatter(x=[str(w["week_start"]) for w in weeks],
                                    y=[w["median_sold_price_usd"] for w in weeks],
                                    name=_label(row["brand"], row["model"]), mode="lines+markers"))
    if not figure.data:
        section.empty = "No model has enough sales in the window yet."
        return section
    section.figures.append(_layout(figure, xaxis={"title": "week (Monday)", "type": "category"},
                                   yaxis_title="median sale price (USD)"))
    return section


def _movers_section(marts: MartReader, week_start: date) -> Section:
    section = Section(
        "movers", "Rising and cooling models",
        "Models whose sales moved most against the week before (marts.kpi_model_trends: rising or cooling when "
        "sales changed by 20% or more on enough sales); bars are the change in sales, hover for prices.")
    rows: list[dict[str, Any]] = []
    for trend, order in (("rising", "sold_count_wow_change desc"), ("cooling", "sold_count_wow_change")):
        rows += marts.query(
            f"select * from marts.kpi_model_trends where week_start = date '{week_start}' and trend = '{trend}' "
            f"order by {order}, brand, model limit {MOVERS}").dicts()
    if not rows:
        section.empty = f"No rising or cooling model in the week of {week_start}."
        return section
    rows.sort(key=lambda r: r["sold_count_wow_change"])
    figure = go.Figure(go.Bar(
        y=[_label(r["brand"], r["model"]) for r in rows], x=[r["sold_count_wow_change"] for r in rows],
        orientation="h", marker_color=["#2e7d32" if r["trend"] == "rising" else "#c62828" for r in rows],
        customdata=[[r["sold_count"], r["previous_sold_count"], r["median_sold_price_usd"]] for r in rows],
        hovertemplate="%{y}: %{customdata[0]} sold (week before %{customdata[1]}), "
                      "median $%{customdata[2]:,.0f}<extra></extra>"))
    section.figures.append(_layout(figure, xaxis_title="sales vs the week before", height=60 + 26 * len(rows)))
    return section


def _markdown_section(marts: MartReader) -> Section:
    section = Section(
        "markdowns", "Markdowns",
        "Left: in which week of a listing's life its first markdown came (share of first markdowns). Right: each "
        "sale's discount from its first ask against its days to sell: points high and right are bags that "
        "needed both time and a cut.")
    timing = marts.table("report_markdown_timing", order_by="listing_week").dicts()
    sales = marts.table("report_markdowns", where="status = 'sold' and discount_depth is not null",
                        order_by="listing_key").dicts()
    if timing:
        figure = go.Figure(go.Bar(x=[f"{r['from_day']}-{r['to_day']}" for r in timing],
                                  y=[r["share_of_first_markdowns"] for r in timing],
                                  customdata=[r["first_markdowns"] for r in timing],
                                  hovertemplate="days %{x}: %{y:.1%} (%{customdata} listings)<extra></extra>"))
        section.figures.append(_layout(figure, xaxis_title="days since listed at the first markdown",
                                       yaxis={"title": "share of first markdowns", "tickformat": ".0%"}))
    if sales:
        figure = go.Figure(go.Scatter(
            x=[r["days_to_sell"] for r in sales], y=[r["discount_depth"] for r in sales], mode="markers",
            marker={"size": 5, "opacity": 0.5},
            text=[f"{_label(r['brand'], r['model'])} ({r['marketplace']})" for r in sales],
            hovertemplate="%{text}: %{x} days, %{y:.0%} off<extra></extra>"))
        section.figures.append(_layout(figure, xaxis_title="days to sell",
                                       yaxis={"title": "discount from first ask", "tickformat": ".0%"}))
    if not section.figures:
        section.empty = "No markdown and no sale in the window yet."
    return section


def _retention_section(marts: MartReader) -> Section:
    section = Section(
        "retention", "Value retention against retail",
        "Median sale price as a share of the estimated retail price, per model (marts.procurement_ranking), "
        "grouped by brand: 100% = sells at retail. Only sales with a retail estimate count.")
    rows = marts.query(
        "select * from marts.procurement_ranking where value_retention_median is not null "
        f"order by sold_count desc, brand, model limit {RETENTION_MODELS}").dicts()
    if not rows:
        section.empty = "No sale with a retail estimate in the window yet."
        return section
    rows.sort(key=lambda r: (r["brand"] or "", -r["value_retention_median"]))
    figure = go.Figure()
    for brand in dict.fromkeys(r["brand"] or "Unknown" for r in rows):
        mine = [r for r in rows if (r["brand"] or "Unknown") == brand]
        figure.add_trace(go.Bar(x=[r["value_retention_median"] for r in mine], y=[r["model"] for r in mine],
                                name=brand, orientation="h",
                                customdata=[r["sold_count"] for r in mine],
                                hovertemplate="%{y}: %{x:.0%} of retail (%{customdata} sold)<extra>" + brand
                                + "</extra>"))
    section.figures.append(_layout(figure, xaxis={"title": "median sale price / retail", "tickformat": ".0%"},
                                   yaxis={"autorange": "reversed"}, height=80 + 22 * len(rows)))
    return section


def _procurement_section(marts: MartReader) -> Section:
    section = Section(
        "procurement", "What to buy: the procurement ranking",
        "Models ranked by how surely they resell within the target days and how much of retail they hold; "
        "buy below the maximum buy price to keep the target margin (marts.procurement_ranking).")
    rows = marts.table("procurement_ranking", where=f"procurement_rank <= {PROCUREMENT_ROWS}",
                       order_by="procurement_rank").dicts()
    if not rows:
        section.empty = "No model has enough sales in the window yet."
        return section
    names = [f"{r['procurement_rank']}. {_label(r['brand'], r['model'])}" for r in rows]
    figure = go.Figure()
    figure.add_trace(go.Bar(y=names, x=[r["suggested_max_buy_usd"] for r in rows], name="maximum buy price",
                            orientation="h"))
    figure.add_trace(go.Bar(y=names, x=[r["expected_resale_usd"] for r in rows], name="expected resale",
                            orientation="h"))
    section.figures.append(_layout(figure, barmode="group", xaxis_title="USD", yaxis={"autorange": "reversed"},
                                   height=80 + 40 * len(rows)))
    head = ("<tr><th>rank</th><th>model</th><th>score</th><th>sold</th><th>sell within target</th>"
            "<th>median days</th><th>retention</th><th>max buy</th></tr>")
    body = "".join(
        f"<tr><td>{r['procurement_rank']}</td><td>{html.escape(_label(r['brand'], r['model']))}</td>"
        f"<td>{r['procurement_score']:.3f}</td><td>{_number(r['sold_count'])}</td>"
        f"<td>{_number(r['sell_within_target_rate'], 'rate')}</td><td>{_number(r['days_to_sell_median'])}</td>"
        f"<td>{_number(r['value_retention_median'], 'rate')}</td><td>{_number(r['suggested_max_buy_usd'], 'usd')}</td>"
        "</tr>" for r in rows)
    section.extra_html = f'<table class="ranking">{head}{body}</table>'
    return section


def _safe_url(url: Any) -> str | None:
    """A product link to show: http(s) only (a scraped value is never a script), else no link."""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _deal_name(row: dict[str, Any]) -> str:
    return " ".join(str(part) for part in (row["brand"], row["model"], row["size"], row["condition"]) if part)


def _deals_section(marts: MartReader) -> Section:
    section = Section(
        "deals", "Deals: bags on sale now below the price guide",
        "Each dot is a listing on sale on the latest snapshot whose cost with the site's fees is below the price "
        "guide's median sale price for its model, size and condition (marts.deals): higher is a larger expected "
        "margin, further left sells sooner; hover for the site, prices and link. Deals without a days-to-sell "
        f"estimate are in the table only. The table holds the top {DEAL_ROWS} by expected margin.")
    rows = marts.table("deals", where=f"deal_rank <= {max(DEAL_MARKS, DEAL_ROWS)}", order_by="deal_rank").dicts()
    if not rows:
        section.empty = "No listing on sale is priced below the price guide by the deals' minimum margin."
        return section
    section.title += f" ({rows[0]['as_of_date']})"
    drawn = [r for r in rows[:DEAL_MARKS] if r["expected_days_to_sell"] is not None]
    figure = go.Figure()
    for marketplace in sorted({r["marketplace"] for r in drawn}):
        mine = [r for r in drawn if r["marketplace"] == marketplace]
        figure.add_trace(go.Scatter(
            x=[r["expected_days_to_sell"] for r in mine], y=[r["expected_margin_usd"] for r in mine],
            mode="markers", marker={"size": 10, "opacity": 0.75}, name=marketplace,
            text=[f"{r['deal_rank']}. {_deal_name(r)}" for r in mine],
            customdata=[[r["ask_usd"], r["buy_cost_usd"], r["guide_price_usd"], r["expected_margin_pct"],
                         r["guide_confidence"], _safe_url(r["url"]) or ""] for r in mine],
            hovertemplate=("%{text}<br>ask $%{customdata[0]:,.0f}, with fees $%{customdata[1]:,.0f}, "
                           "guide $%{customdata[2]:,.0f}<br>margin $%{y:,.0f} (%{customdata[3]:.0%}), "
                           "sells in ~%{x} days, confidence %{customdata[4]}<br>%{customdata[5]}<extra>"
                           + marketplace + "</extra>")))
    if figure.data:
        section.figures.append(_layout(figure, xaxis_title="expected days to sell (the guide's median)",
                                       yaxis_title="expected margin (USD)"))
    head = ("<tr><th>rank</th><th>bag</th><th>site</th><th>ask</th><th>with fees</th><th>guide</th>"
            "<th>margin</th><th>margin %</th><th>days to sell</th><th>confidence</th><th>link</th></tr>")
    body = "".join(
        f"<tr><td>{r['deal_rank']}</td><td>{html.escape(_deal_name(r))}</td><td>{html.escape(r['marketplace'])}</td>"
        f"<td>{_number(r['ask_usd'], 'usd')}</td><td>{_number(r['buy_cost_usd'], 'usd')}</td>"
        f"<td>{_number(r['guide_price_usd'], 'usd')}</td><td>{_number(r['expected_margin_usd'], 'usd')}</td>"
        f"<td>{_number(r['expected_margin_pct'], 'rate')}</td><td>{_number(r['expected_days_to_sell'])}</td>"
        f"<td>{html.escape(r['guide_confidence'])}</td>"
        + (f'<td><a href="{html.escape(url)}" rel="noopener noreferrer">{html.escape(r["listing_id"])}</a></td>'
           if (url := _safe_url(r["url"])) else "<td></td>")
        + "</tr>" for r in rows[:DEAL_ROWS])
    section.extra_html = f'<table class="ranking deals">{head}{body}</table>'
    return section


def _cross_site_section(marts: MartReader) -> Section:
    section = Section(
        "across-sites", "Across sites: the same bag, different prices",
        f"The {SPREAD_GROUPS} model, size and condition groups whose median ask differs most between the sites "
        "selling them now; each dot is one site's median ask. Buy where the dot is left, sell where it is right.")
    rows = marts.table("report_cross_site_prices", where=f"spread_rank <= {SPREAD_GROUPS}",
                       order_by="spread_rank, marketplace").dicts()
    if not rows:
        section.empty = "No model, size and condition is on sale on two sites at once."
        return section
    figure = go.Figure()
    for marketplace in sorted({r["marketplace"] for r in rows}):
        mine = [r for r in rows if r["marketplace"] == marketplace]
        figure.add_trace(go.Scatter(
            x=[r["median_ask_usd"] for r in mine],
            y=[f"{_label(r['brand'], r['model'])} {r['size']} {r['condition']} (+{r['price_spread_pct']:.0%})"
               for r in mine],
            customdata=[r["active_listings"] for r in mine], mode="markers", marker={"size": 11}, name=marketplace,
            hovertemplate="%{y}: $%{x:,.0f} (%{customdata} on sale)<extra>" + marketplace + "</extra>"))
    order = list(dict.fromkeys(
        f"{_label(r['brand'], r['model'])} {r['size']} {r['condition']} (+{r['price_spread_pct']:.0%})" for r in rows))
    section.figures.append(_layout(figure, xaxis_title="median ask (USD)", height=100 + 34 * len(order),
                                   yaxis={"categoryorder": "array", "categoryarray": order[::-1]}))
    return section


def _health_section(marts: MartReader, as_of: date) -> Section:
    section = Section(
        "data-health", "Data health",
        "Which daily snapshots were complete (an incomplete one never makes a sale), the rows set aside by a row "
        "rule, and the bags the normaliser gave no model (marts.data_health_daily, last "
        f"{HEALTH_DAYS} days).")
    rows = marts.table("data_health_daily",
                       where=f"snapshot_date > date_add('day', -{HEALTH_DAYS}, date '{as_of}')",
                       order_by="snapshot_date, marketplace").dicts()
    if not rows:
        section.empty = "No snapshot in the window."
        return section
    days = sorted({str(r["snapshot_date"]) for r in rows})
    sites = sorted({r["marketplace"] for r in rows})
    by_key = {(r["marketplace"], str(r["snapshot_date"])): r for r in rows}
    complete = [[None if (s, d) not in by_key else int(by_key[(s, d)]["is_complete"]) for d in days] for s in sites]
    figure = go.Figure(go.Heatmap(
        x=days, y=sites, z=complete, zmin=0, zmax=1, xgap=2, ygap=2, showscale=False,
        colorscale=[[0, "#c62828"], [1, "#2e7d32"]],
        hovertemplate="%{y} %{x}: %{z} (1 complete, 0 incomplete)<extra></extra>"))
    section.figures.append(_layout(figure, height=80 + 36 * len(sites), xaxis={"title": "snapshot day", "type": "category"}))
    for column, title in (("rows_rejected", "rows rejected by a row rule"),
                          ("listings_without_model", "bags without a model")):
        figure = go.Figure()
        for site in sites:
            figure.add_trace(go.Bar(x=days, y=[by_key[(site, d)][column] if (site, d) in by_key else None
                                               for d in days], name=site))
        section.figures.append(_layout(figure, barmode="stack", yaxis_title=title, xaxis_title="snapshot day",
                                       height=320))
    return section


def build_report(settings: RadarSettings, week: date | None = None, *, dialect: str | None = None) -> Report:
    """Read the marts and render the page. Raises ReportError when the marts cannot give the week."""
    with MartReader(settings, dialect) as marts:
        weeks = marts.table("report_market_weekly", order_by="week_start")
        chosen = choose_week(weeks, week)
        week_start, as_of = chosen["week_start"], chosen["as_of_date"]
        sections = [
            _week_section(marts, weeks, chosen),
            _days_to_sell_section(marts),
            _price_trend_section(marts, week_start),
            _movers_section(marts, week_start),
            _markdown_section(marts),
            _retention_section(marts),
            _procurement_section(marts),
            _deals_section(marts),
            _cross_site_section(marts),
            _health_section(marts, as_of),
        ]
    return Report(week_start, as_of, sections, render_html(sections, chosen))


STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0; background: #f6f6f4;
       color: #222; }
header { background: #1f2a36; color: #fff; padding: 18px 32px; }
header h1 { margin: 0; font-size: 24px; } header p { margin: 4px 0 0; opacity: .8; }
main { max-width: 1180px; margin: 0 auto; padding: 12px 24px 40px; }
section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 18px 0;
          box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section h2 { margin: 0 0 4px; font-size: 19px; }
.how { color: #555; margin: 0 0 10px; font-size: 14px; }
.how::before { content: "How to read this: "; font-weight: 600; }
.tiles { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.tile { flex: 1 1 170px; border: 1px solid #e3e3e0; border-radius: 6px; padding: 10px 12px; }
.tile-name { font-size: 13px; color: #555; } .tile-value { font-size: 26px; font-weight: 600; }
.tile-change { font-size: 13px; color: #555; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .chart { flex: 1 1 520px; min-width: 0; }
table.ranking { border-collapse: collapse; font-size: 13px; margin-top: 8px; width: 100%; }
table.ranking th, table.ranking td { border-bottom: 1px solid #eee; padding: 4px 8px; text-align: right; }
table.ranking td:nth-child(2), table.ranking th:nth-child(2) { text-align: left; }
table.deals td:nth-child(3), table.deals th:nth-child(3) { text-align: left; }
.empty { color: #8a6d3b; font-style: italic; }
footer { color: #777; font-size: 12px; text-align: center; padding-bottom: 20px; }
"""


def render_html(sections: list[Section], chosen: dict[str, Any]) -> str:
    parts = []
    number = 0
    for section in sections:
        charts = []
        for figure in section.figures:
            number += 1
            div = figure.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG,
                                 div_id=f"chart-{number}", default_width="100%")
            charts.append(f'<div class="chart" data-section="{section.key}">{div}</div>')
        body = section.extra_html + (f'<div class="charts">{"".join(charts)}</div>' if charts else "")
        if section.empty:
            body += f'<p class="empty">{html.escape(section.empty)}</p>'
        parts.append(f'<section id="{section.key}"><h2>{html.escape(section.title)}</h2>'
                     f'<p class="how">{html.escape(section.how_to_read)}</p>{body}</section>')
    title = f"Resale Radar: the week of {chosen['week_start']}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>Second-hand luxury handbags across the tracked marketplaces; "
        f"data up to the snapshot of {chosen['as_of_date']}. Every figure is a column of the warehouse's marts."
        f"</p></header><main>{''.join(parts)}</main>"
        f"<footer>Resale Radar report, {len([f for s in sections for f in s.figures])} charts. "
        "Figures from marts.report_*, kpi_model_trends, procurement_ranking, deals, data_health_daily.</footer>"
        "</body></html>\n"
    )
