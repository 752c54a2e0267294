"""Exchange rates: the ECB parser (on a trimmed copy of the real CSV in tests/fixtures/fx/ and on
XML written in the documented shape: no real XML capture exists here), the fetcher against the
sandbox's feed on 127.0.0.1 (local and S3 lake), and the USD rule in the models: the rate of
the snapshot day or of the last publication day before it, at most 7 days old, else the run
stops naming currency and day."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawlers.ecb_rates import FxFetchError, fetch_fx_rates, write_rates
from crawlers.parsers.ecb import EcbFeedError, EcbRate, parse_csv, parse_feed, parse_xml, parse_zip
from radar.lake import FX_RATE_SCHEMA, Lake
from radar.settings import RadarSettings, get_settings
from sandbox.ecb_feed import quotes, usd_per_unit
from sandbox.market import Market
from sandbox.server import FX_SITE, SandboxServer
from tests.test_models_support import listing, query, transform, write_day
from tests.test_s3_lake import BUCKET, s3_endpoint, s3_lake  # noqa: F401  (fixtures)
from transformations.audits import AuditFailure
from transformations.runner import query as run_query
from transformations.runner import run_transformations

FIXTURES = Path(__file__).parent / "fixtures" / "fx"
CSV_EXTRACT = FIXTURES / "eurofxref-hist-2024-trimmed.csv"  # real rows of the ECB's eurofxref-hist.csv (2024)
XML_SHAPE = FIXTURES / "eurofxref-hist-90d-shape.xml"
SANDBOX_DAY = date(2026, 9, 5)  # a Saturday


def rates_by_key(rates: list[EcbRate]) -> dict[tuple[date, str], float]:
    return {(r.rate_date, r.currency): r.units_per_eur for r in rates}


# ------------------------------------------------------------------ parser


def test_parser_reads_the_real_csv_extract():
    rates = parse_csv(CSV_EXTRACT.read_text())
    by_key = rates_by_key(rates)
    assert by_key[(date(2024, 10, 11), "USD")] == 1.0938
    assert by_key[(date(2024, 10, 11), "CAD")] == 1.5063
    assert by_key[(date(2024, 10, 11), "JPY")] == 162.94
    assert by_key[(date(2024, 3, 25), "ZAR")] == pytest.approx(20.6, abs=0.5)  # the last column, before the trailing comma
    days = sorted({r.rate_date for r in rates})
    assert len(days) == 17 and days[0] == date(2024, 3, 25) and days[-1] == date(2024, 10, 11)
    assert date(2024, 3, 29) not in days and date(2024, 4, 1) not in days  # Good Friday, Easter Monday
    assert date(2024, 10, 5) not in days  # a Saturday
    currencies = {r.currency for r in rates}
    assert "CYP" not in currencies and "RUB" not in currencies  # N/A all through 2024
    assert len(currencies) == 30 and len(rates) == 17 * 30


def test_parser_reads_the_documented_xml_shape():
    rates = parse_xml(XML_SHAPE.read_bytes())
    csv_rates = rates_by_key(parse_csv(CSV_EXTRACT.read_text()))
    assert len(rates) == 12 and {r.rate_date for r in rates} == {date(2024, 10, 11), date(2024, 10, 10), date(2024, 10, 7)}
    assert all(csv_rates[(r.rate_date, r.currency)] == r.units_per_eur for r in rates)


def test_parser_opens_the_historical_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref-hist.csv", CSV_EXTRACT.read_text())
    assert parse_feed("eurofxref-hist.zip", buffer.getvalue()) == parse_csv(CSV_EXTRACT.read_text())


@pytest.mark.parametrize(
    "parse, content, message",
    [
        (parse_xml, b"<html><body>Just a moment...</body></html>", "gesmes:Envelope"),
        (parse_xml, b"<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'", "does not parse"),
        (parse_xml, XML_SHAPE.read_bytes().replace(b"<Cube time=\"2024-10-07\">", b"<Cube time=\"2024-13-07\">"),
         "'2024-13-07' is not a YYYY-MM-DD date"),
        (parse_xml, XML_SHAPE.read_bytes().replace(b'rate="1.5031"', b'rate="1,5031"'), "rate '1,5031' of CAD is not a number"),
        (parse_xml, XML_SHAPE.read_bytes().replace(b'rate="162.85"', b'rate="-162.85"'), "not a positive number"),
        (parse_xml, b"<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01'><Cube/></gesmes:Envelope>",
         "holds no rate"),
        (parse_csv, "Datum;USD\n2024-10-11;1.09\n", "header"),
        (parse_csv, "Date,USD,CAD,\n2024-10-11,1.0938,\n", "line 2: 3 cells where the header has 4"),
        (parse_csv, "Date,USD,CAD,\n2024-10-11,1.0938,,\n", "line 2: no value for CAD"),
        (parse_csv, "Date,USD,CAD,\n2024-10-11,1.0938,abc,\n", "rate 'abc' of CAD is not a number"),
        (parse_zip, b"PK\x03\x04 not really a zip", "does not open"),
    ],
)
def test_malformed_feeds_raise_naming_what_is_wrong(parse, content, message):
    with pytest.raises(EcbFeedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(content)


# ------------------------------------------------------------------ fetcher + sandbox feed


@pytest.fixture(scope="module")
def fx_sandbox():
    """The sandbox's ECB feed alone (a market with no marketplaces), serving a Saturday."""
    market = Market(seed=11, start_date=date(2026, 8, 1), profiles={})
    with SandboxServer(market, []) as server:
        server.set_day(SANDBOX_DAY)
        yield server


def lake_settings(tmp_path: Path, base_url: str) -> RadarSettings:
    return RadarSettings(lake_url=str(tmp_path / "lake"), warehouse_path=str(tmp_path / "w.duckdb"), ecb_base_url=base_url)


def test_fetch_writes_the_sandbox_feed_with_a_manifest(tmp_path, fx_sandbox):
    settings = lake_settings(tmp_path, fx_sandbox.fx_base_url)
    result = fetch_fx_rates(SANDBOX_DAY, "hist-90d", settings=settings)
    lake = Lake.from_url(settings.lake_url)
    table = pq.read_table(result.path + "/part-0.parquet")
    assert table.schema.equals(FX_RATE_SCHEMA)
    rows = table.to_pylist()
    days = {r["rate_date"] for r in rows}
    assert result.last_rate_date == date(2026, 9, 4)  # Friday: nothing is published on Saturday
    assert all(d.weekday() < 5 for d in days) and 60 <= len(days) <= 66  # business days of 90 calendar days
    market = fx_sandbox.market
    assert all(r["units_per_eur"] == float(quotes(market, r["rate_date"])[r["currency"]]) for r in rows)
    manifest = lake.read_fx_manifest(SANDBOX_DAY, "hist-90d")
    assert manifest["source_url"] == fx_sandbox.fx_base_url + "eurofxref-hist-90d.xml"
    assert manifest["row_count"] == len(rows) == 3 * len(days) and manifest["currencies"] == ["CAD", "GBP", "USD"]
    assert manifest["last_rate_date"] == "2026-09-04" and manifest["fetched_at"]


def test_sandbox_daily_file_and_history_zip(tmp_path, fx_sandbox):
    settings = lake_settings(tmp_path, fx_sandbox.fx_base_url)
    daily = fetch_fx_rates(SANDBOX_DAY, "daily", settings=settings)
    assert daily.first_rate_date == daily.last_rate_date == date(2026, 9, 4) and daily.row_count == 3
    history = fetch_fx_rates(SANDBOX_DAY, "hist", settings=settings)
    assert history.first_rate_date == fx_sandbox.market.history_start  # 2026-02-02, a Monday
    rows = pq.read_table(history.path + "/part-0.parquet").to_pylist()
    days = {r["rate_date"] for r in rows}
    assert date(2026, 5, 1) not in days and date(2026, 4, 30) in days  # a TARGET holiday (Friday)


def test_a_failed_or_malformed_fetch_leaves_the_lake_unchanged(tmp_path, fx_sandbox):
    settings = lake_settings(tmp_path, fx_sandbox.fx_base_url)
    good = fetch_fx_rates(SANDBOX_DAY, "hist-90d", settings=settings)
    before = {p.name: p.read_bytes() for p in Path(good.path).iterdir()}
    try:
        fx_sandbox.set_faults(FX_SITE, status_sequence=[503])
        with pytest.raises(FxFetchError, match="answered HTTP 503; the lake keeps its previous rates"):
            fetch_fx_rates(SANDBOX_DAY, "hist-90d", settings=settings)
        fx_sandbox.set_faults(FX_SITE, challenge="cloudflare", challenge_status=200)  # a 200 that is no feed
        with pytest.raises(FxFetchError, match=r"eurofxref-hist-90d.xml: ECB XML does not parse"):
            fetch_fx_rates(SANDBOX_DAY, "hist-90d", settings=settings)
    finally:
        fx_sandbox.clear_faults()
    with pytest.raises(FxFetchError, match="failed"):
        fetch_fx_rates(SANDBOX_DAY, "hist-90d", settings=settings, base_url="http://127.0.0.1:9/stats/eurofxref/",
                       timeout=2)
    assert {p.name: p.read_bytes() for p in Path(good.path).iterdir()} == before
    assert not list((tmp_path / "lake").glob("_tmp/*"))


def test_ecb_base_url_setting_must_be_http():
    assert RadarSettings().ecb_base_url == "https://www.ecb.europa.eu/stats/eurofxref/"
    assert RadarSettings(ecb_base_url="http://127.0.0.1:8000/x").ecb_base_url == "http://127.0.0.1:8000/x/"
    with pytest.raises(ValueError, match="RADAR_ECB_BASE_URL"):
        RadarSettings(ecb_base_url="ftp://ecb.example/")


# ------------------------------------------------------------------ the USD rule in the models

VSP_TITLE = "Chanel // Black Caviar Medium Classic Double Flap Bag"


def write_csv_extract(data_dir: Path) -> None:
    rates = parse_csv(CSV_EXTRACT.read_text())
    write_rates(Lake.from_url(str(data_dir / "lake")), date(2024, 10, 11), "hist", rates, "file://" + str(CSV_EXTRACT))


def vsp_usd(data_dir: Path) -> dict[date, float]:
    rows = query(data_dir, "select snapshot_date, price_usd from intermediate.int_listings_unioned where marketplace = 'vsp'")
    return {r["snapshot_date"]: r["price_usd"] for r in rows}


def test_prices_convert_at_the_last_published_rate_on_weekends_and_holidays(tmp_path):
    write_csv_extract(tmp_path)
    # Thursday before Easter, Good Friday, Easter Monday, the Tuesday after; a Friday and its weekend
    days = [date(2024, 3, 28), date(2024, 3, 29), date(2024, 4, 1), date(2024, 4, 2),
            date(2024, 10, 4), date(2024, 10, 5), date(2024, 10, 6)]
    for day in days:
        write_day(tmp_path / "lake", "vsp", day, [listing("S", VSP_TITLE, 10000, brand="VSP Archive")])
        write_day(tmp_path / "lake", "rebag", day, [listing("A", "Chanel Classic Flap Bag", 5000, brand="Chanel")])
    transform(tmp_path, select=["+intermediate.int_listings_unioned"])
    usd = vsp_usd(tmp_path)
    thursday = round(10000 * 1.0811 / 1.4672, 2)  # 2024-03-28: USD 1.0811, CAD 1.4672 per EUR
    assert usd[date(2024, 3, 28)] == usd[date(2024, 3, 29)] == usd[date(2024, 4, 1)] == thursday
    assert usd[date(2024, 4, 2)] == round(10000 * 1.0749 / 1.4577, 2) != thursday
    friday = round(10000 * 1.1029 / 1.4952, 2)
    assert usd[date(2024, 10, 4)] == usd[date(2024, 10, 5)] == usd[date(2024, 10, 6)] == friday
    rebag = query(tmp_path, "select distinct price_usd from intermediate.int_listings_unioned where marketplace = 'rebag'")
    assert rebag == [{"price_usd": 5000.0}]
    staged = query(tmp_path, "select count(*) as n, count(distinct rate_date) as days from staging.stg_fx_rates")
    assert staged == [{"n": 17 * 30, "days": 17}]


def test_a_missing_rate_stops_the_run_naming_currency_and_day(tmp_path):
    write_csv_extract(tmp_path)  # the last rate is 2024-10-11; 7 days later it is too old
    for day in (date(2024, 10, 18), date(2024, 10, 19)):
        write_day(tmp_path / "lake", "vsp", day, [listing("S", VSP_TITLE, 10000, brand="VSP Archive")])
    transform(tmp_path, select=["+intermediate.int_listings_unioned"], start_date=date(2024, 10, 18), end_date=date(2024, 10, 18))
    assert vsp_usd(tmp_path) == {date(2024, 10, 18): round(10000 * 1.0938 / 1.5063, 2)}
    with pytest.raises(AuditFailure, match=r"fx_rate_found.*'currency': 'CAD', 'snapshot_date': datetime.date\(2024, 10, 19\)"):
        transform(tmp_path, select=["+intermediate.int_listings_unioned"], start_date=date(2024, 10, 19),
                  end_date=date(2024, 10, 19))
    assert date(2024, 10, 19) not in vsp_usd(tmp_path)  # nothing published: no fake price


def test_usd_listings_need_no_rate(tmp_path):
    write_day(tmp_path / "lake", "rebag", date(2026, 9, 5), [listing("A", "Chanel Classic Flap Bag", 5000, brand="Chanel")])
    transform(tmp_path, select=["+intermediate.int_listings_unioned"])
    assert query(tmp_path, "select price_usd from intermediate.int_listings_unioned") == [{"price_usd": 5000.0}]


def test_the_truth_converts_with_the_same_rule(fx_sandbox):
    market = fx_sandbox.market
    saturday, friday = SANDBOX_DAY, date(2026, 9, 4)
    cad_friday = quotes(market, friday)
    assert usd_per_unit(market, "CAD", saturday) == usd_per_unit(market, "CAD", friday) == cad_friday["USD"] / cad_friday["CAD"]
    assert usd_per_unit(market, "USD", saturday) == 1
    assert usd_per_unit(market, "EUR", saturday) == cad_friday["USD"]


def test_fetch_into_an_s3_lake_and_read_it_back(s3_lake, fx_sandbox, tmp_path):
    lake, s3 = s3_lake
    settings = get_settings().model_copy(  # RADAR_LAKE_URL=s3://..., RADAR_S3_ENDPOINT_URL=moto (the fixture)
        update={"warehouse_path": str(tmp_path / "w.duckdb"), "ecb_base_url": fx_sandbox.fx_base_url})
    result = fetch_fx_rates(SANDBOX_DAY, "hist-90d", settings=settings)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
    prefix = "lake/raw/fx_rates/fetch_date=2026-09-05/feed=hist-90d/"
    assert {prefix + "part-0.parquet", prefix + "_manifest.json"} <= keys
    assert lake.read_fx_manifest(SANDBOX_DAY, "hist-90d")["row_count"] == result.row_count
    run_transformations(settings, select=["staging.stg_fx_rates"], seeds_dir=tmp_path)
    counted = run_query(settings, "select count(*), max(rate_date), min(feed) from staging.stg_fx_rates")
    assert counted[1] == [(result.row_count, date(2026, 9, 4), "hist-90d")]
