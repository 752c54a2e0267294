"""One settings object for every part: environment variables with the RADAR_ prefix.

Secrets (Slack webhook, Trino password, AWS keys) are SecretStr so they never print;
AWS credentials stay in the standard AWS_* variables or a Prefect AwsCredentials block.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    @model_validator(mode="after")
    def _trino_engine_needs_a_cluster(self) -> "RadarSettings":
        if self.engine == "trino" and not self.trino_url:
            raise ValueError("RADAR_ENGINE=trino needs RADAR_TRINO_URL (http(s)://user@host:port/catalog/schema)")
        return self


@lru_cache(maxsize=1)
def get_settings() -> RadarSettings:
    return RadarSettings()
