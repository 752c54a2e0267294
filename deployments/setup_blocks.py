"""Create or update, from the environment, what the deployments use on the Prefect server:

- `aws-credentials/radar-aws` + `s3-bucket/radar-lake` (prefect-aws) when RADAR_LAKE_URL is
  s3://bucket/prefix. Keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
  (without them the block uses the default AWS chain, e.g. an instance role); region from
  RADAR_S3_REGION; endpoint from RADAR_S3_ENDPOINT_URL (an S3-compatible server).
- `slack-webhook/radar-alerts` (prefect_slack) from RADAR_SLACK_WEBHOOK_URL.
- `secret/radar-trino-url` from RADAR_TRINO_URL (a secret: it may carry user:password@) and
  `secret/radar-trino-password` from RADAR_TRINO_PASSWORD. The plain variable `radar_trino_url`
  that older versions created is deleted.
- the `radar-process` work pool (type process), created when missing, never overwritten.
- the tag concurrency limit `browser-crawl` = 1.

Run: `PREFECT_API_URL=http://127.0.0.1:4200/api python -m deployments.setup_blocks`.
Idempotent: existing blocks and variables are updated in place, nothing is duplicated.
Secrets are never printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from urllib.parse import urlparse

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from deployments import (
    AWS_CREDENTIALS_BLOCK,
    BROWSER_CRAWL_LIMIT,
    S3_BUCKET_BLOCK,
    SLACK_BLOCK,
    TRINO_PASSWORD_BLOCK,
    TRINO_URL_BLOCK,
    TRINO_URL_VARIABLE,
    WORK_POOL,
)
from flows.daily import BROWSER_CRAWL_TAG
from radar.settings import RadarSettings, get_settings

Say = Callable[[str], None]


def require_api_url() -> str:
    """The server to configure. Without one Prefect would start a throwaway server and lose everything."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise SystemExit("PREFECT_API_URL is not set: point it at the Prefect server (e.g. http://127.0.0.1:4200/api)")
    return url


def _block_exists(block_cls, name: str) -> bool:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_block_document_by_name(name=name, block_type_slug=block_cls.get_block_type_slug())
            return True
        except ObjectNotFound:
            return False


def _save(block, name: str, say: Say) -> None:
    existed = _block_exists(type(block), name)
    block.save(name, overwrite=True)
    say(f"{'updated' if existed else 'created'} block {type(block).get_block_type_slug()}/{name}")


def setup_s3(settings: RadarSettings, say: Say) -> None:
    if not settings.lake_url.startswith("s3://"):
        say(f"skipped blocks {AWS_CREDENTIALS_BLOCK} and {S3_BUCKET_BLOCK}: RADAR_LAKE_URL is not s3://bucket/prefix")
        return
    from prefect_aws import AwsClientParameters, AwsCredentials, S3Bucket

    parsed = urlparse(settings.lake_url)
    bucket, folder = parsed.netloc, parsed.path.strip("/")
    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not (access_key and secret_key):
        say(f"note: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY unset: {AWS_CREDENTIALS_BLOCK} uses the default AWS chain "
            "(instance role, profile)")
    credentials = AwsCredentials(
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        aws_session_token=os.environ.get("AWS_SESSION_TOKEN") or None,
        region_name=settings.s3_region,
        aws_client_parameters=AwsClientParameters(endpoint_url=settings.s3_endpoint_url),
    )
    # Saved under its own name first, so the bucket block references it instead of embedding a copy.
    _save(credentials, AWS_CREDENTIALS_BLOCK, say)
    _save(S3Bucket(bucket_name=bucket, bucket_folder=folder, credentials=credentials), S3_BUCKET_BLOCK, say)


def setup_slack(settings: RadarSettings, say: Say) -> None:
    if settings.slack_webhook_url is None:
        say(f"skipped block {SLACK_BLOCK}: RADAR_SLACK_WEBHOOK_URL is unset (alerts go to the log only)")
        return
    from prefect_slack import SlackWebhook

    _save(SlackWebhook(url=settings.slack_webhook_url.get_secret_value()), SLACK_BLOCK, say)


def setup_trino(settings: RadarSettings, say: Say) -> None:
    from prefect.blocks.system import Secret
    from prefect.variables import Variable

    if settings.trino_url is not None:
        _save(Secret(value=settings.trino_url.get_secret_value()), TRINO_URL_BLOCK, say)
    else:
        say(f"skipped block {TRINO_URL_BLOCK}: RADAR_TRINO_URL is unset")
    if Variable.unset(TRINO_URL_VARIABLE):  # an older setup kept the URL there, in plain text
        say(f"deleted variable {TRINO_URL_VARIABLE} (the Trino URL lives in the secret block {TRINO_URL_BLOCK})")
    if settings.trino_password is not None:
        _save(Secret(value=settings.trino_password.get_secret_value()), TRINO_PASSWORD_BLOCK, say)
    else:
        say(f"skipped block {TRINO_PASSWORD_BLOCK}: RADAR_TRINO_PASSWORD is unset")


def setup_work_pool(say: Say) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(WORK_POOL)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=WORK_POOL,
                    type="process",
                    description="Resale Radar: runs flows as subprocesses of a worker started in the repository checkout",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
            say(f"created work pool {WORK_POOL} (process)")
            return
    if pool.type != "process":
        raise SystemExit(f"work pool {WORK_POOL} exists with type {pool.type!r}, expected 'process': delete it or rename ours")
    say(f"kept work pool {WORK_POOL} (exists)")


def setup_concurrency_limit(say: Say) -> None:
    from prefect.client.orchestration import get_client

    # The API upserts by tag: running this again updates the limit instead of adding one.
    with get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag=BROWSER_CRAWL_TAG, concurrency_limit=BROWSER_CRAWL_LIMIT)
    say(f"set tag concurrency limit {BROWSER_CRAWL_TAG} = {BROWSER_CRAWL_LIMIT}")


def main(say: Say = print) -> int:
    api_url = require_api_url()
    settings = get_settings()  # a bad RADAR_ value stops here: SettingsError names it, never its value
    say(f"configuring {api_url}")
    setup_s3(settings, say)
    setup_slack(settings, say)
    setup_trino(settings, say)
    setup_work_pool(say)
    setup_concurrency_limit(say)
    return 0


if __name__ == "__main__":
    sys.exit(main())
