"""One settings object for every part: environment variables with the RADAR_ prefix.

Everything that can carry a credential (the Trino URL, which may hold `user:password@`, the
Trino password, the Slack webhook) is a SecretStr: it never prints, and a validation error
never shows an input value (`hide_input_in_errors`; our own messages name the variable and
the problem, never the value). AWS credentials stay in the standard AWS_* variables or a
Prefect AwsCredentials block. `get_settings()` turns a bad value into one SettingsError.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Literal, cast
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Prefect blocks and variables that `python -m deployments` creates from the environment.
AWS_CREDENTIALS_BLOCK = "radar-aws"
S3_BUCKET_BLOCK = "radar-lake"
SLACK_BLOCK = "radar-alerts"
TRINO_PASSWORD_BLOCK = "radar-trino-password"
TRINO_URL_BLOCK = "radar-trino-url"  # a Secret block: the URL may carry user:password@
TRINO_URL_VARIABLE = "radar_trino_url"  # where older setups kept the URL in plain text; setup_blocks deletes it

TRINO_URL_SCHEMES = ("http", "https", "trino")
# Bucket names: letters, digits, dots, hyphens and underscores (older buckets), 1-63 characters.
_S3_BUCKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
# "<one of these>:" starts a (malformed) URL even without a slash; any other "<word>:" does only before a "/".
_LAKE_LIKE_SCHEMES = {"s3", "s3a", "s3n", "file", "gs", "gcs", "az", "abfs", "abfss", "http", "https", "hdfs"}


class SettingsError(ValueError):
    """A RADAR_* value is unusable. The message names each variable and its problem, never a value."""


class RadarSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RADAR_", extra="ignore", hide_input_in_errors=True)

    lake_url: str = Field("data/lake", description="Local directory or s3://bucket/prefix of the lake")
    engine: Literal["duckdb", "trino"] = "duckdb"
    warehouse_path: str = Field("data/warehouse.duckdb", description="DuckDB file (embedded engine)")
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint (e.g. a local moto server)")
    s3_region: str = "us-east-1"
    trino_url: SecretStr | None = Field(
        None, description="http(s)://user[:password]@host:port/catalog/schema, or trino://... (https with a password)"
    )
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
        return check_lake_url(value)

    @field_validator("trino_url")
    @classmethod
    def _trino_url_is_usable(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            trino_url_parts(value.get_secret_value())  # raises naming the problem, never the value
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _s3_endpoint_is_http(cls, value: str | None) -> str | None:
        if value:
            _check_http_url("RADAR_S3_ENDPOINT_URL", value)
        return value

    @field_validator("ecb_base_url")
    @classmethod
    def _ecb_base_url_is_http(cls, value: str) -> str:
        _check_http_url("RADAR_ECB_BASE_URL", value)
        return value.rstrip("/") + "/"

    @model_validator(mode="after")
    def _trino_engine_needs_a_cluster(self) -> RadarSettings:
        if self.engine == "trino" and not self.trino_url:
            raise ValueError("RADAR_ENGINE=trino needs RADAR_TRINO_URL (http(s)://user@host:port/catalog/schema)")
        if self.trino_url and self.trino_password is not None:
            if trino_url_parts(self.trino_url.get_secret_value())["http_scheme"] == "http":
                raise ValueError("RADAR_TRINO_PASSWORD would be sent in clear text: RADAR_TRINO_URL must be https:// "
                                 "(or trino://, which uses https with a password)")
        return self


def check_lake_url(value: str) -> str:
    """RADAR_LAKE_URL: a local path, file:///path or s3://bucket[/prefix]; returns it without a trailing /.
    Raises ValueError naming the problem (never the value: a malformed URL may hold a key)."""
    if not value.strip():
        raise ValueError("RADAR_LAKE_URL is empty")
    scheme = value.split(":", 1)[0]
    after = value[len(scheme) + 1:]
    looks_like_url = _URL_SCHEME.fullmatch(scheme) and len(scheme) > 1 and (
        after.startswith("/") or scheme.lower() in _LAKE_LIKE_SCHEMES)
    if ":" in value and looks_like_url:
        if not after.startswith("//"):
            raise ValueError(f"RADAR_LAKE_URL is a malformed URL ({scheme}: without //): "
                             "use s3://bucket/prefix or a local path")
        scheme = scheme.lower()
        rest = value[len(scheme) + 3:]
        if scheme == "s3":
            bucket = rest.split("/", 1)[0]
            if "@" in bucket:
                raise ValueError("RADAR_LAKE_URL must not carry credentials (user:secret@): "
                                 "AWS keys come from AWS_* or the radar-aws block")
            if not bucket:
                raise ValueError("RADAR_LAKE_URL has no bucket: use s3://bucket/prefix")
            if not _S3_BUCKET.fullmatch(bucket):
                raise ValueError("RADAR_LAKE_URL: the bucket is not a valid S3 bucket name "
                                 "(1-63 letters, digits, dots, hyphens, underscores)")
            return "s3://" + rest.rstrip("/")
        if scheme == "file":
            if "@" in rest.split("/", 1)[0]:
                raise ValueError("RADAR_LAKE_URL must not carry credentials (user:secret@)")
            if not rest.strip("/"):
                raise ValueError("RADAR_LAKE_URL file:// has no path: use file:///absolute/path")
            return "file://" + (rest.rstrip("/") or "/")
        raise ValueError(f"RADAR_LAKE_URL has an unknown scheme {scheme!r}: use a local path or s3://bucket/prefix")
    return value.rstrip("/") or "/"


def trino_url_parts(url: str) -> dict:
    """Split RADAR_TRINO_URL = http(s)|trino://user[:password]@host[:port][/catalog[/schema]] into what
    trino.dbapi.connect takes. trino:// is https when a password is given or the port is 443, else http.
    Raises ValueError naming the problem, never the value."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ValueError("RADAR_TRINO_URL is not a valid URL (check the host and port)") from None
    scheme = parts.scheme.lower()
    if "://" not in url or scheme not in TRINO_URL_SCHEMES:
        raise ValueError("RADAR_TRINO_URL must start with http://, https:// or trino://")
    if not parts.hostname:
        raise ValueError("RADAR_TRINO_URL has no host")
    password = unquote(parts.password) if parts.password is not None else None
    if scheme == "trino":
        scheme = "https" if password or port == 443 else "http"
    if password and scheme == "http":
        raise ValueError("RADAR_TRINO_URL carries a password over http://: use https:// (never a password in clear text)")
    path = [p for p in parts.path.split("/") if p]
    return {
        "host": parts.hostname,
        "port": port or (443 if scheme == "https" else 8080),
        "user": unquote(parts.username) if parts.username else None,
        "password": password,
        "http_scheme": scheme,
        "catalog": path[0] if path else None,
        "schema": path[1] if len(path) > 1 else None,
    }


def _check_http_url(variable: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{variable} must start with http:// or https://")
    if "@" in parts.netloc:
        raise ValueError(f"{variable} must not carry credentials (user:secret@)")


def describe_validation_error(error: ValidationError) -> str:
    """One line per bad setting: its variable and pydantic's (input-free) message."""
    lines = []
    for item in error.errors(include_input=False, include_url=False, include_context=False):
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        variable = "RADAR_" + "_".join(str(part) for part in item.get("loc", ())).upper() if item.get("loc") else ""
        lines.append(message if not variable or message.startswith(variable) else f"{variable}: {message}")
    return "invalid settings: " + "; ".join(lines)


@lru_cache(maxsize=1)
def get_settings() -> RadarSettings:
    try:
        return RadarSettings()
    except ValidationError as error:
        problem = describe_validation_error(error)
    # raised outside the except block: the ValidationError (whose errors() hold the input) is not
    # even kept as the context of the error that is logged and stored
    raise SettingsError(problem)


class _AlertSettings(BaseSettings):
    """Only what an alert needs, so a failure hook can still post when another setting is invalid."""

    model_config = SettingsConfigDict(env_prefix="RADAR_", extra="ignore", hide_input_in_errors=True)
    slack_webhook_url: SecretStr | None = None


def slack_webhook_setting() -> SecretStr | None:
    """RADAR_SLACK_WEBHOOK_URL, read on its own: valid even when the rest of the settings is not."""
    return _AlertSettings().slack_webhook_url


def apply_prefect_blocks() -> list[str]:
    """On a worker, fill what the environment leaves unset from the Prefect blocks: the Trino URL
    and password, and the AWS credentials (also for the crawl subprocesses, which inherit the
    environment). Returns the names used; values are never logged. Environment variables win.
    """
    used = []
    if not os.environ.get("RADAR_TRINO_URL"):
        used += _from_prefect(TRINO_URL_BLOCK, lambda: {"RADAR_TRINO_URL": _secret(TRINO_URL_BLOCK)})
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
    except Exception:  # noqa: BLE001 - no server, no such block: the environment is all there is
        return []
    os.environ.update(values)
    return [name] if values else []


def _secret(name: str) -> str:
    from prefect.blocks.system import Secret

    secret = cast(Secret, Secret.load(name, _sync=True))  # type: ignore[call-arg]  # prefect's sync dispatch
    return secret.get()


def _aws_environment() -> dict[str, str | None]:
    from prefect_aws import AwsCredentials

    credentials = cast(AwsCredentials, AwsCredentials.load(AWS_CREDENTIALS_BLOCK, _sync=True))  # type: ignore[call-arg]  # as above
    secret = credentials.aws_secret_access_key
    token = credentials.aws_session_token
    return {
        "AWS_ACCESS_KEY_ID": credentials.aws_access_key_id,
        "AWS_SECRET_ACCESS_KEY": secret.get_secret_value() if secret else None,
        # prefect-aws types the session token a plain str (a SecretStr in other versions)
        "AWS_SESSION_TOKEN": (token.get_secret_value() if isinstance(token, SecretStr) else token) or None,
        "AWS_DEFAULT_REGION": credentials.region_name,
    }

