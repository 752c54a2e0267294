"""The report delivered into the lake: `<lake>/reports/radar-report-<as of day>.html`, written with
the lake's filesystem (local or S3); the link a Slack message carries is the file's path locally
and a presigned GET URL on S3 (valid PRESIGNED_SECONDS; boto3, credentials from the standard AWS_*
environment as the lake's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from radar.lake import Lake
from radar.settings import RadarSettings
from reports.buyer import Report, build_report

REPORTS_DIR = "reports"
PRESIGNED_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live: the week of the report


@dataclass(frozen=True)
class DeliveredReport:
    path: str  # inside the lake's filesystem: "/abs/dir/reports/..." or "bucket/prefix/reports/..."
    link: str  # what a person opens: the local path, or a presigned https URL on S3
    week_start: date
    chart_count: int


def report_name(as_of: date) -> str:
    return f"radar-report-{as_of.isoformat()}.html"


def publish_report(settings: RadarSettings, report: Report) -> DeliveredReport:
    """Write the page into the lake in one PUT (S3) or one file replace (local), and return its link."""
    lake = Lake.from_url(settings.lake_url, settings)
    path = lake.path(REPORTS_DIR, report_name(report.as_of_date))
    data = report.html.encode("utf-8")
    if lake.is_s3:
        with lake.filesystem.open_output_stream(path, metadata={"Content-Type": "text/html; charset=utf-8"}) as out:
            out.write(data)
        link = presigned_url(lake, path)
    else:
        lake.filesystem.create_dir(lake.path(REPORTS_DIR), recursive=True)
        staging = path + ".tmp"
        with lake.filesystem.open_output_stream(staging) as out:
            out.write(data)
        lake.filesystem.move(staging, path)  # a reader never opens half a page
        link = path
    return DeliveredReport(path, link, report.week_start, report.chart_count)


def presigned_url(lake: Lake, path: str, expires: int = PRESIGNED_SECONDS) -> str:
    import boto3
    from botocore.config import Config

    bucket, _, key = path.partition("/")
    client = boto3.client("s3", endpoint_url=lake.s3_endpoint_url, region_name=lake.s3_region,
                          config=Config(signature_version="s3v4"))  # SigV4: expires within 7 days
    url: str = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
    return url


def deliver_report(settings: RadarSettings, week: date | None = None) -> DeliveredReport:
    """Build the report from the marts and publish it into the lake (the daily flow's step)."""
    return publish_report(settings, build_report(settings, week))
