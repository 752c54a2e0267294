"""One settings object for every part: environment variables with the RADAR_ prefix.

Secrets (Slack webhook, Trino password, AWS keys) are SecretStr so they never print;
AWS credentials stay in the standard AWS_* variables or a Prefect AwsCredentials block.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


# Prefect blocks and variables that `python -m deployments` creates from the environment.
AWS_CREDENTIALS_BLOCK = "radar-aws"
S3_BUCKET_BLOCK = "radar-lake"
SLACK_BLOCK = "radar-alerts"
TRINO_PASSWORD_BLOCK = "radar-trino-password"
TRINO_URL_VARIABLE = "radar_trino_url"


class RadarSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RADAR_", extra="ignore")

    lake_url: str = Field("data/lake", description="Local directory or s3://bucket/prefix of the lake")
    engine: Literal["duckdb", "trino"] = "duckdb"
    warehouse_path: str = Field("data/warehouse.duckdb", description="DuckDB file (embedded engine)")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (e.g. a local moto server)")
    s3_region: str = "us-east-1"
    trino_url: str | None = Field(None, description="http(s)://user@host:port/catalog/schema")
    trino_password: SecretStr | None = None
    trino_catalog: str = Field("iceberg", description="Catalog of the model tables (Iceberg)")
    trino_raw_catalog: str = Field("hive", description="Catalog of the external tables over the raw lake (Hive)")
    slack_webhook_url: SecretStr | None = None
    browser_path: str | None = Field(None, description="Chromium executable for scrapy-playwright")
    allow_private_targets: bool = Field(
        False,
        description="Sandbox and tests only: let crawls reach loopback/private addresses (the local replicas)",
    )
    ecb_base_url: str = Field(
        "https://www.ecb.europa.eu/stats/eurofxref/",
        description="Where the ECB's euro reference rates are fetched (eurofxref-hist-90d.xml, eurofxref-hist.zip)",
    )

    @field_validator("lake_url")
    @classmethod
    def _lake_url_is_usable(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("RADAR_LAKE_URL is empty")
        if "://" in value and not value.startswith(("s3://", "file://")):
            raise ValueError(f"RADAR_LAKE_URL must be a local path or s3://bucket/prefix, got {value!r}")
        return value.rstrip("/")

    @field_validator("trino_url")
    @classmethod
    def _trino_url_is_http(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"RADAR_TRINO_URL must start with http:// or https://, got {value!r}")
        return value

    @field_validator("ecb_base_url")
    @classmethod
    def _ecb_base_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"RADAR_ECB_BASE_URL must start with http:// or https://, got {value!r}")
        return value.rstrip("/") + "/"

    @model_validator(mode="after")
    def _trino_engine_needs_a_cluster(self) -> "RadarSettings":
        if self.engine == "trino" and not self.trino_url:
            raise ValueError("RADAR_ENGINE=trino needs RADAR_TRINO_URL (http(s)://user@host:port/catalog/schema)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> RadarSettings:
    return RadarSettings()


def apply_prefect_blocks() -> list[str]:
    """On a worker, fill what the environment leaves unset from the Prefect blocks: the Trino URL
    and password, and the AWS credentials (also for the crawl subprocesses, which inherit the
    environment). Returns the names used; values are never logged. Environment variables win.
    """
    used = []
    if not os.environ.get("RADAR_TRINO_URL"):
        used += _from_prefect(TRINO_URL_VARIABLE, lambda: {"RADAR_TRINO_URL": _variable(TRINO_URL_VARIABLE)})
    if not os.environ.get("RADAR_TRINO_PASSWORD"):
        used += _from_prefect(TRINO_PASSWORD_BLOCK, lambda: {"RADAR_TRINO_PASSWORD": _secret(TRINO_PASSWORD_BLOCK)})
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        used += _from_prefect(AWS_CREDENTIALS_BLOCK, _aws_environment)
    if used:
        get_settings.cache_clear()
    return used


def _from_prefect(name: str, read) -> list[str]:
    try:
        values = {k: v for k, v in read().items() if v}
    except Exception:  # no server, no such block: the environment is all there is
        return []
    os.environ.update(values)
    return [name] if values else []


def _variable(name: str) -> str | None:
    from prefect.variables import Variable

    return Variable.get(name)


def _secret(name: str) -> str:
    from prefect.blocks.system import Secret

    return Secret.load(name, _sync=True).get()


def _aws_environment() -> dict[str, str | None]:
    from prefect_aws import AwsCredentials

    credentials = AwsCredentials.load(AWS_CREDENTIALS_BLOCK, _sync=True)
    secret = credentials.aws_secret_access_key
    token = credentials.aws_session_token
    return {
        "AWS_ACCESS_KEY_ID": credentials.aws_access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret.get_secret_value() if secret else None,
        "AWS_SESSION_TOKEN": token.get_secret_value() if token else None,
        "AWS_DEFAULT_REGION": credentials.region_name,
    }

