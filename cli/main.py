"""`radar`: the command line. Each command is a thin shell over a flow or a library call."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from datetime import date
from pathlib import Path

# Offline-friendly Prefect defaults, set before Prefect is imported: an ephemeral server gets 120 s
# to start on a busy machine, and no telemetry is sent (docs/operations.md, "Start a Prefect server").
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {number}")
    return number


def _scale(value: str) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {value}")
    return number


def _port(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number (1-65535), got {number}")
    return number


def _marketplaces(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _base_url(value: str) -> tuple[str, str]:
    key, sep, url = value.partition("=")
    if not sep or not key.strip() or not url.strip():
        raise argparse.ArgumentTypeError("expected MARKETPLACE=URL, e.g. rebag=http://127.0.0.1:8800")
    return key.strip(), url.strip()


def _target_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--base-url", dest="base_urls", type=_base_url, action="append", default=None, metavar="MARKETPLACE=URL",
        help="crawl this marketplace at URL instead of the real site (e.g. `radar sandbox serve`'s replicas; "
             "loopback needs RADAR_ALLOW_PRIVATE_TARGETS=true); repeatable",
    )


def _base_urls(args: argparse.Namespace) -> dict[str, str] | None:
    return dict(args.base_urls) if getattr(args, "base_urls", None) else None


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What argparse's types cannot see alone, checked before any command touches the disk,
    the network or the warehouse: exits 2 with `radar <command>: error: ...`."""
    start, end = getattr(args, "start_date", None), getattr(args, "end_date", None)
    if args.command == "transform" and start is not None and end is not None and start > end:
        parser.error(f"--start-date {start} is after --end-date {end}")
    if args.command == "sandbox" and args.day is not None and args.day < args.start_date:
        parser.error(f"--day {args.day} is before --start-date {args.start_date}")
    chosen = list(getattr(args, "marketplaces", None) or [])
    if getattr(args, "marketplace", None):
        chosen.append(args.marketplace)
    chosen += [key for key, _ in getattr(args, "base_urls", None) or []]
    if getattr(args, "base_urls", None) and args.marketplaces:
        extra = sorted({key for key, _ in args.base_urls} - set(args.marketplaces))
        if extra:
            parser.error(f"--base-url for {', '.join(extra)}, which --marketplaces does not crawl")
    urls = [(f"--base-url {key}", url) for key, url in getattr(args, "base_urls", None) or []]
    if getattr(args, "fx_base_url", None):
        urls.append(("--fx-base-url", args.fx_base_url))
    if urls:  # before a flow run records them as its parameters: never a credential there
        from crawlers.targets import TargetError, check_target

        for what, url in urls:
            try:
                check_target(url, what=what, allow_path=what == "--fx-base-url")
            except TargetError as error:
                parser.error(str(error))
    if getattr(args, "marketplaces", "unset") == []:
        parser.error("--marketplaces names no marketplace")
    if chosen:
        from crawlers.config import ConfigError, check_marketplace_keys

        try:
            check_marketplace_keys(chosen)
        except ConfigError as error:
            parser.error(str(error))
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None and data_dir.exists() and not data_dir.is_dir():
        parser.error(f"--data-dir {data_dir} is not a directory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="radar", description="Resale Radar: luxury handbag resale market intelligence")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the pipeline on the local sandbox market for N days")
    demo.add_argument("--days", type=_positive_int, default=21)
    demo.add_argument("--data-dir", type=Path, default=Path("data"))
    demo.add_argument("--marketplaces", type=_marketplaces, default=None, help="comma-separated (default: all)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--scale", type=_scale, default=1.0, help="market size multiplier (1.0 ~ 4,000 Rebag listings)")
    demo.add_argument("--start-date", type=_date, default=date(2026, 9, 1))
    demo.add_argument("--incomplete-snapshots", type=_non_negative_int, default=3,
                      help="snapshots the sandbox breaks on purpose (a short page, a block mid-crawl), "
                           "spread over the run; they land marked incomplete and must create no sales")
    demo.add_argument("--still-market", action="store_true",
                      help="serve each day unchanged while it is crawled (default: the market keeps moving "
                           "during a crawl, the next day's events applied at each site's configured request pace)")

    run = commands.add_parser("run", help="run the daily snapshot flow for one day")
    run.add_argument("--date", type=_date, default=None)
    run.add_argument("--marketplaces", type=_marketplaces, default=None)
    _target_arguments(run)
    run.add_argument("--fx-base-url", default=None,
                     help="where the ECB rates are fetched (e.g. the sandbox's `fx`); default RADAR_ECB_BASE_URL")

    crawl = commands.add_parser("crawl", help="crawl only")
    crawl.add_argument("--date", type=_date, default=None)
    crawl.add_argument("--marketplaces", type=_marketplaces, default=None)
    _target_arguments(crawl)

    transform = commands.add_parser("transform", help="run the SQL models")
    transform.add_argument("--start-date", type=_date, default=None)
    transform.add_argument("--end-date", type=_date, default=None)
    transform.add_argument("--dialect", choices=["duckdb", "trino"], default=None, help="default: RADAR_ENGINE")
    transform.add_argument("--print", dest="print_only", action="store_true", help="print the SQL that would run")

    catalogue = commands.add_parser(
        "catalogue", help="the models the seeds do not cover yet, by listings, with the alias rows to add")
    catalogue.add_argument("--limit", type=_positive_int, default=25, help="entries to list (default 25)")
    catalogue.add_argument("--marketplace", default=None, help="one marketplace (default: all)")
    catalogue.add_argument("--data-dir", type=Path, default=None,
                           help="a demo's data directory (default: RADAR_WAREHOUSE_PATH / RADAR_ENGINE)")
    catalogue.add_argument("--rows-csv", type=Path, default=None,
                           help="also write the proposed model_aliases.csv rows here, to review and append")

    trino = commands.add_parser("trino", help="the Trino warehouse (RADAR_TRINO_URL)")
    trino_commands = trino.add_subparsers(dest="trino_command", required=True)
    trino_commands.add_parser(
        "setup", help="apply transformations/ddl/ idempotently: schemas, the raw lake's external tables "
                      "(created again where their location differs from RADAR_LAKE_URL), partition sync")

    score = commands.add_parser("score", help="score the marts against the sandbox's ground truth")
    score.add_argument("--data-dir", type=Path, default=Path("data"), help="DIR/truth, and DIR/warehouse.duckdb")
    score.add_argument("--engine", choices=["duckdb", "trino"], default="duckdb",
                       help="where the marts are: DIR/warehouse.duckdb, or the Trino warehouse of RADAR_TRINO_URL")
    score.add_argument("--deals-weeks", type=_non_negative_int, default=4,
                       help="judge the deals flagged this many weeks before the last day (runs the pipeline again on "
                            "DIR/lake's earlier days; 0 = skip)")

    # issue 15: the price guide lookup (reports/price_lookup.py)
    price = commands.add_parser("price", help="what a bag sells for: the price guide's row and the latest comparable sales")
    price.add_argument("bag", help='brand, model and size, e.g. "Chanel Classic Flap Medium" (matched fuzzily)')
    price.add_argument("--condition", default=None, help="new, excellent, very_good, good or fair (default: every condition)")
    price.add_argument("--sales", type=_positive_int, default=10, help="comparable sales to list (default 10)")
    price.add_argument("--data-dir", type=Path, default=None,
                       help="read DIR/warehouse.duckdb (a demo's); default: the configured warehouse (RADAR_ENGINE)")

    # issue 14: the buyer's report and the exports (reports/buyer.py, reports/exports.py)
    report = commands.add_parser("report", help="the buyer's weekly report: one self-contained HTML file from the marts")
    report.add_argument("--week", type=_date, default=None,
                        help="any day of the week to report (default: the latest full week in the marts)")
    report.add_argument("--out", type=Path, default=None, help="the HTML file (default: radar-report-<week>.html)")
    report.add_argument("--data-dir", type=Path, default=None,
                        help="read DIR/warehouse.duckdb (a demo's); default: the configured warehouse (RADAR_ENGINE)")
    export = commands.add_parser("export", help="the marts for Tableau (.hyper + .tds) or one mart as CSV / Parquet")
    export_commands = export.add_subparsers(dest="export_command", required=True)
    tableau = export_commands.add_parser(
        "tableau", help="a .hyper extract of every mart and a .tds per mart for the live Trino connection")
    tableau.add_argument("--out", type=Path, required=True, help="the directory to write into")
    tableau.add_argument("--data-dir", type=Path, default=None, help="read DIR/warehouse.duckdb (a demo's)")
    for fmt in ("csv", "parquet"):
        one = export_commands.add_parser(fmt, help=f"one mart as {fmt.upper()} (e.g. procurement_ranking)")
        one.add_argument("mart", help="the mart's table name, e.g. procurement_ranking")
        one.add_argument("--out", type=Path, required=True, help=f"the .{fmt} file")
        one.add_argument("--data-dir", type=Path, default=None, help="read DIR/warehouse.duckdb (a demo's)")

    sandbox = commands.add_parser("sandbox", help="the local marketplace replicas")
    sandbox_commands = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_commands.add_parser("serve", help="serve the simulated market on 127.0.0.1")
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--scale", type=_scale, default=1.0)
    serve.add_argument("--start-date", type=_date, default=date(2026, 9, 1))
    serve.add_argument("--day", type=_date, default=None, help="the day to serve (default: the start date)")
    serve.add_argument("--marketplaces", type=_marketplaces, default=None)
    serve.add_argument("--port-base", type=_port, default=None, help="first port (default: any free ports)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from cli.demo import DemoError, run_demo

        try:
            return run_demo(args.days, args.data_dir, args.marketplaces, args.seed, args.scale, args.start_date,
                            args.incomplete_snapshots, moving=not args.still_market)
        except DemoError as error:
            print(f"radar demo: error: {error}", file=sys.stderr)
            return 2
    if args.command == "run":
        from flows.daily import daily_market_snapshot

        daily_market_snapshot(args.date, args.marketplaces, _base_urls(args), fx_base_url=args.fx_base_url)
        return 0
    if args.command == "crawl":
        from flows.daily import crawl_marketplaces

        crawl_marketplaces(args.date, args.marketplaces, _base_urls(args))
        return 0
    if args.command == "transform":
        return _transform(args)
    if args.command == "catalogue":
        return _catalogue(args)
    if args.command == "trino":
        return _trino_setup()
    if args.command == "score":
        return _score(args)
    if args.command == "price":
        return _price(args)
    if args.command in ("report", "export"):  # issue 14
        return _report_or_export(args)
    if args.command == "sandbox":
        from sandbox.server import serve_forever

        serve_forever(seed=args.seed, start_date=args.start_date, scale=args.scale, day=args.day,
                      marketplaces=args.marketplaces, port_base=args.port_base)
        return 0
    raise AssertionError(args.command)


def _report_or_export(args: argparse.Namespace) -> int:
    """`radar report` and `radar export ...` (issue 14): exit 2 with the reason when the marts cannot answer."""
    from radar.settings import RadarSettings, get_settings
    from reports.marts import ReportError

    name = "report" if args.command == "report" else f"export {args.export_command}"
    if args.data_dir is not None:
        settings = RadarSettings(lake_url=str(args.data_dir / "lake"),
                                 warehouse_path=str(args.data_dir / "warehouse.duckdb"), engine="duckdb")
    else:
        settings = get_settings()
    try:
        if args.command == "report":
            from reports.buyer import build_report

            built = build_report(settings, args.week)
            out = args.out or Path(f"radar-report-{built.week_start}.html")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(built.html, encoding="utf-8")
            print(f"{out}: the week of {built.week_start}, {built.chart_count} charts, data up to {built.as_of_date}")
            return 0
        if args.export_command == "tableau":
            from reports.exports import export_tableau

            done = export_tableau(settings, args.out)
            print(json.dumps({"hyper": str(done.hyper_path), "rows": done.row_counts,
                              "tds": {mart: str(path) for mart, path in done.tds_paths.items()}}, indent=2))
            for warning in done.warnings:
                print(f"radar {name}: warning: {warning}", file=sys.stderr)
            return 0
        from reports.exports import export_mart

        rows = export_mart(settings, args.mart, args.out, args.export_command)
        print(f"{args.out}: {rows} rows of marts.{args.mart}")
        return 0
    except ReportError as error:
        print(f"radar {name}: error: {error}", file=sys.stderr)
        return 2


def _price(args: argparse.Namespace) -> int:
    from radar.settings import RadarSettings, get_settings
    from reports.price_lookup import PriceLookupError, lookup, render

    if args.data_dir is not None:
        warehouse = args.data_dir / "warehouse.duckdb"
        if not warehouse.exists():
            print(f"radar price: error: no warehouse at {warehouse}: run `radar demo --data-dir {args.data_dir}` first",
                  file=sys.stderr)
            return 2
        settings = RadarSettings(lake_url=str(args.data_dir / "lake"), warehouse_path=str(warehouse), engine="duckdb")
    else:
        settings = get_settings()
    try:
        print(render(lookup(settings, args.bag, args.condition, args.sales)))
    except PriceLookupError as error:
        print(f"radar price: error: {error}", file=sys.stderr)
        return 2
    return 0


def _score(args: argparse.Namespace) -> int:
    """The marts (DuckDB file or Trino) against the sandbox's truth in DIR/truth."""
    from evaluation.scoring import score
    from radar.settings import get_settings
    from transformations.engines import TrinoEngine

    needed = ([args.data_dir / "warehouse.duckdb"] if args.engine == "duckdb" else []) + [args.data_dir / "truth"]
    missing = [p for p in needed if not p.exists()]
    if missing:
        print(f"radar score: error: no {missing[0]}: run `radar demo --data-dir {args.data_dir}` first",
              file=sys.stderr)
        return 2
    try:
        engine = TrinoEngine.from_settings(get_settings()) if args.engine == "trino" else None
    except ValueError as error:  # no cluster configured
        print(f"radar score: error: {error}", file=sys.stderr)
        return 2
    try:
        report = score(args.data_dir, engine=engine, deals_weeks_after=args.deals_weeks or None)
    finally:
        if engine is not None:
            engine.close()
    print(report.to_text())
    return 0 if report.passed() else 1


def _catalogue(args: argparse.Namespace) -> int:
    from radar.settings import RadarSettings, get_settings
    from transformations.catalogue import build_catalogue

    if args.data_dir is not None:
        warehouse = args.data_dir / "warehouse.duckdb"
        if not warehouse.exists():
            print(f"no warehouse at {warehouse}: run `radar demo --data-dir {args.data_dir}` first", file=sys.stderr)
            return 2
        settings = RadarSettings(lake_url=str(args.data_dir / "lake"), warehouse_path=str(warehouse), engine="duckdb")
    else:
        settings = get_settings()
    catalogue = build_catalogue(settings, marketplace=args.marketplace, limit=args.limit)
    print(catalogue.to_text())
    if args.rows_csv is not None:
        written = catalogue.write_rows(args.rows_csv)
        print(f"\n{written} proposed row(s) written to {args.rows_csv}")
    return 0


def _trino_setup() -> int:
    from radar.settings import get_settings
    from transformations.engines import TrinoEngine

    settings = get_settings()
    try:
        engine = TrinoEngine.from_settings(settings)
    except ValueError as error:
        print(f"radar trino setup: error: {error}", file=sys.stderr)
        return 2
    try:
        done = engine.apply_ddl(settings)
    finally:
        engine.close()
    print(json.dumps({"lake": settings.lake_url, **done}, indent=2))
    return 0


def _transform(args: argparse.Namespace) -> int:
    from radar.settings import get_settings
    from transformations.models import ModelError
    from transformations.runner import LakeUnreadable, render_for_trino, run_transformations

    settings = get_settings()
    dialect = args.dialect or settings.engine
    if args.print_only:
        if dialect != "trino":
            print("--print shows the Trino statements; use --dialect trino", file=sys.stderr)
            return 2
        for statement in render_for_trino(settings, start_date=args.start_date, end_date=args.end_date):
            print(statement.rstrip().rstrip(";") + ";\n")
        return 0
    try:
        result = run_transformations(settings, start_date=args.start_date, end_date=args.end_date, dialect=dialect)
    except (LakeUnreadable, ModelError) as error:
        where = settings.warehouse_path if dialect == "duckdb" else settings.trino_catalog
        print(f"radar transform: error: {error}\n(lake {settings.lake_url}, warehouse {where})", file=sys.stderr)
        return 1
    print(json.dumps(result.summary(), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
