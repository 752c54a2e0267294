"""Run one marketplace crawl as a `scrapy crawl` subprocess and judge it by its report.

Scrapy runs in a subprocess because its reactor cannot restart inside a long-lived worker,
and `scrapy crawl` exits 0 even when everything failed: the report file (written by
crawlers.extensions.CrawlReport) and the lake manifest are what count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # where scrapy.cfg lives


class CrawlFailed(RuntimeError):
    """The crawl produced nothing trustworthy (crashed, wrote nothing, or could not publish)."""


class CrawlIncomplete(RuntimeError):
    """The crawl published a snapshot that is marked incomplete: no sales may be inferred from it."""

    def __init__(self, outcome: CrawlOutcome) -> None:
        self.outcome = outcome
        reasons = "; ".join(outcome.incomplete_reasons) or "unknown reason"
        super().__init__(f"{outcome.marketplace} {outcome.snapshot_date}: snapshot incomplete ({reasons})")


@dataclass
class CrawlOutcome:
    marketplace: str
    snapshot_date: date
    item_count: int
    expected_count: int | None
    complete: bool
    published: bool
    finish_reason: str
    incomplete_reasons: list[str] = field(default_factory=list)
    failed_monitors: list[dict[str, Any]] = field(default_factory=list)
    duration_seconds: float | None = None
    peak_memory_mb: float | None = None  # Scrapy's memusage/max, when MEMUSAGE_ENABLED


def scrapy_command(
    marketplace: str, snapshot_date: date, base_url: str | None, report_path: Path, extra_settings: dict[str, str]
) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", marketplace, "-a", f"snapshot_date={snapshot_date.isoformat()}"]
    if base_url:
        command += ["-a", f"base_url={base_url}"]
    settings = {"RADAR_REPORT_PATH": str(report_path), "LOG_LEVEL": "INFO", **extra_settings}
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(
    marketplace: str,
    snapshot_date: date,
    base_url: str | None = None,
    extra_settings: dict[str, str] | None = None,
    timeout_seconds: float = 3600,
) -> CrawlOutcome:
    """Crawl one marketplace for one day; raise CrawlFailed / CrawlIncomplete unless the snapshot is complete."""
    with tempfile.TemporaryDirectory(prefix=f"crawl-{marketplace}-") as workdir:
        report_path = Path(workdir) / "report.json"
        log_path = Path(workdir) / "scrapy.log"
        command = scrapy_command(marketplace, snapshot_date, base_url, report_path,
                                 {"LOG_FILE": str(log_path), **(extra_settings or {})})
        try:
            completed = subprocess.run(
                command, cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=timeout_seconds
            )
        except subprocess.TimeoutExpired as error:
            raise CrawlFailed(f"{marketplace} {snapshot_date}: crawl timed out after {timeout_seconds:.0f} s") from error
        if not report_path.exists():
            raise CrawlFailed(
                f"{marketplace} {snapshot_date}: crawl wrote no report (exit code {completed.returncode}): "
                + _tail(completed.stderr + _read(log_path))
            )
        report = json.loads(report_path.read_text())
        return judge_crawl(marketplace, snapshot_date, report, log_tail=_tail(_read(log_path)))


def judge_crawl(marketplace: str, snapshot_date: date, report: dict[str, Any], log_tail: str = "") -> CrawlOutcome:
    if report.get("radar/write_error"):
        raise CrawlFailed(f"{marketplace} {snapshot_date}: lake write failed: {report['radar/write_error']}")
    manifest = report.get("radar/manifest")
    if not manifest:
        raise CrawlFailed(f"{marketplace} {snapshot_date}: no manifest was published. Log tail:\n{log_tail}")
    outcome = CrawlOutcome(
        marketplace=marketplace,
        snapshot_date=snapshot_date,
        item_count=manifest["item_count"],
        expected_count=manifest.get("expected_count"),
        complete=bool(manifest["complete"]),
        published=bool(report.get("radar/published")),
        finish_reason=manifest.get("finish_reason", "unknown"),
        incomplete_reasons=list(manifest.get("incomplete_reasons", [])),
        failed_monitors=[m for m in manifest.get("monitors", []) if not m["passed"]],
        duration_seconds=manifest.get("duration_seconds"),
        peak_memory_mb=round(report["memusage/max"] / 2**20, 1) if report.get("memusage/max") else None,
    )
    if not outcome.complete:
        raise CrawlIncomplete(outcome)
    return outcome


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
