"""Crawl targets as data: load and validate crawlers/marketplaces.yaml.

    from crawlers.config import load_config, get_marketplace
    cfg = get_marketplace("rebag")            # MarketplaceConfig
    cfg.base_url, cfg.currency, cfg.collections, cfg.scrapy_settings()

The path comes from (first set wins): the explicit `path` argument, the Scrapy setting or
environment variable RADAR_MARKETPLACES_CONFIG, the packaged crawlers/marketplaces.yaml.
A bad file raises ConfigError naming the file and the offending key.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from crawlers.targets import allow_private_default, check_target

DEFAULT_PATH = Path(__file__).with_name("marketplaces.yaml")
ENV_VAR = "RADAR_MARKETPLACES_CONFIG"
SHOPIFY_PAGE_CAP = 25000  # Shopify answers 400 when page * limit > 25,000


class ConfigError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    download_delay: float = Field(2.0, ge=0)
    concurrency: int = Field(1, ge=1, le=16)
    autothrottle: bool = True
    retry_times: int = Field(3, ge=0, le=10)
    download_timeout: float = Field(30, gt=0)
    retry_after_max: float = Field(120, ge=0)


class Monitors(_Strict):
    """Crawl-health thresholds (`monitors` in marketplaces.yaml). The one place their defaults are
    set: crawlers/monitors.py judges a crawl without a config entry by `Monitors()` too."""

    min_items: int = Field(1, ge=0)
    max_error_count: int = Field(0, ge=0)
    max_dropped_ratio: float = Field(0.01, ge=0, le=1)
    max_item_count_drop: float = Field(0.5, ge=0, le=1)  # vs the median of recent complete snapshots
    min_field_coverage: dict[str, float] = Field(default_factory=dict)


class Paging(_Strict):
    page_size: int = Field(250, ge=1, le=250)
    max_items_per_collection: int = Field(SHOPIFY_PAGE_CAP, ge=1)


class Confirmations(_Strict):
    """Each listing of the last complete snapshot that today's walk did not see gets one request
    to its own page (docs/architecture.md, "How a day is judged")."""

    enabled: bool = True
    max_confirmations: int = Field(3000, ge=0)  # past it: the first N are asked, the day is incomplete
    lookback_days: int = Field(14, ge=1, le=60)  # how old the last complete snapshot may be
    # A walk short of the counts by more than the site could have moved (the two counts' difference,
    # the shifts met, and this allowance: max(min_gap, gap_share of the count)) is broken, not moved:
    # it is incomplete and nothing is confirmed (an incomplete day never makes a sale).
    gap_share: float = Field(0.01, ge=0, le=1)
    min_gap: int = Field(5, ge=0)

    def allowed_gap(self, count_before: int, count_after: int | None, shifts: int) -> int:
        after = count_before if count_after is None else count_after
        return max(self.min_gap, math.ceil(self.gap_share * min(count_before, after))) + abs(count_before - after) + shifts


class BagFilter(_Strict):
    """Keep a product when any rule matches (an empty filter keeps everything)."""

    tags_any: list[str] = Field(default_factory=list)
    product_types_any: list[str] = Field(default_factory=list)
    exclude_product_types: list[str] = Field(default_factory=list)

    @property
    def keeps_everything(self) -> bool:
        return not (self.tags_any or self.product_types_any)


FieldSource = Literal[
    "vendor", "title_prefix", "title_after_brand", "title", "body_label", "tag_prefix", "option", "none"
]


class FieldRule(_Strict):
    """How a config store finds one field (crawlers/parsers/stores.py applies it)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    source: FieldSource = Field(alias="from")
    label: str | None = None  # body_label: "Condition" matches "Condition: Excellent"
    prefix: str | None = None  # tag_prefix: "condition:" matches tag "condition:Excellent"
    option: str | None = None  # option: the product option's name ("Color", "Size")

    @model_validator(mode="after")
    def _has_its_parameter(self) -> FieldRule:
        needs = {"body_label": "label", "tag_prefix": "prefix", "option": "option"}.get(self.source)
        if needs and not getattr(self, needs):
            raise ValueError(f"rule from: {self.source} needs `{needs}`")
        return self


_FIELD_NAMES = ("brand", "model", "size", "color", "material", "condition")


class MarketplaceConfig(_Strict):
    key: str
    kind: Literal["shopify", "shopify_store", "browser"]
    base_url: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    product_path: str = "/products/{handle}"
    collections: list[str] = Field(default_factory=list)
    shards: list[str] = Field(default_factory=list)
    bag_filter: BagFilter = Field(default_factory=BagFilter)
    fields: dict[str, FieldRule] = Field(default_factory=dict)
    politeness: Politeness = Field(default_factory=Politeness)
    monitors: Monitors = Field(default_factory=Monitors)
    paging: Paging = Field(default_factory=Paging)
    confirmations: Confirmations = Field(default_factory=Confirmations)
    title_brands: tuple[str, ...] = ()

    @field_validator("base_url")
    @classmethod
    def _base_url_is_a_public_http_site(cls, value: str, info: ValidationInfo) -> str:
        return validate_base_url(value, (info.context or {}).get("allow_private"))

    @field_validator("product_path")
    @classmethod
    def _product_path_has_handle(cls, value: str) -> str:
        if "{handle}" not in value or not value.startswith("/"):
            raise ValueError(f"product_path must start with / and contain {{handle}}, got {value!r}")
        return value

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, FieldRule]) -> dict[str, FieldRule]:
        unknown = set(value) - set(_FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; known: {list(_FIELD_NAMES)}")
        return value

    @model_validator(mode="after")
    def _crawlable(self) -> MarketplaceConfig:
        if self.kind in ("shopify", "shopify_store") and not self.collections:
            raise ValueError("a Shopify marketplace needs at least one collection")
        if self.kind == "shopify_store" and "brand" not in self.fields:
            raise ValueError("a shopify_store needs fields.brand (from: vendor or title_prefix)")
        return self

    def product_url(self, handle: str, base_url: str | None = None) -> str:
        return (base_url or self.base_url).rstrip("/") + self.product_path.format(handle=handle)

    def scrapy_settings(self) -> dict[str, Any]:
        """Per-site Scrapy settings (applied at 'spider' priority; -s on the command line wins)."""
        p = self.politeness
        return {
            "DOWNLOAD_DELAY": p.download_delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": p.concurrency,
            "AUTOTHROTTLE_ENABLED": p.autothrottle,
            "AUTOTHROTTLE_START_DELAY": max(p.download_delay, 0.1),
            "AUTOTHROTTLE_TARGET_CONCURRENCY": float(p.concurrency),
            "RETRY_TIMES": p.retry_times,
            "DOWNLOAD_TIMEOUT": p.download_timeout,
            "RADAR_RETRY_AFTER_MAX": p.retry_after_max,
        }


class RadarCrawlConfig(_Strict):
    path: str
    marketplaces: dict[str, MarketplaceConfig]

    def __getitem__(self, key: str) -> MarketplaceConfig:
        try:
            return self.marketplaces[key]
        except KeyError:
            raise ConfigError(
                f"no marketplace {key!r} in {self.path}; known: {sorted(self.marketplaces)}"
            ) from None

    def of_kind(self, kind: str) -> dict[str, MarketplaceConfig]:
        return {k: m for k, m in self.marketplaces.items() if m.kind == kind}


def validate_base_url(value: str, allow_private: bool | None = None) -> str:
    """A crawl's base URL: http(s)://host[:port], no path, no credentials, not a private address
    (crawlers/targets.py; loopback/private only with RADAR_ALLOW_PRIVATE_TARGETS). Raises
    TargetError (a ValueError) whose message never carries a password. Host names are resolved
    when the crawl starts (MarketplaceSpider.from_crawler), not here."""
    return check_target(value, allow_private=allow_private).rstrip("/")


def _errors_without_values(exc: ValidationError) -> str:
    """pydantic's errors without the input values (a base_url may carry a password)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'entry'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    )


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def config_path(path: str | os.PathLike[str] | None = None, settings: Any = None) -> Path:
    if path:
        return Path(path)
    if settings is not None and settings.get(ENV_VAR):
        return Path(settings.get(ENV_VAR))
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_PATH


def load_config(path: str | os.PathLike[str] | None = None, settings: Any = None) -> RadarCrawlConfig:
    resolved = config_path(path, settings).resolve()
    mtime = resolved.stat().st_mtime_ns if resolved.exists() else 0
    return _load_cached(str(resolved), mtime, allow_private_default())


@lru_cache(maxsize=8)
def _load_cached(path: str, _mtime: int, allow_private: bool) -> RadarCrawlConfig:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"marketplaces config not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("marketplaces"), dict):
        raise ConfigError(f"{path}: needs a top-level `marketplaces:` mapping")
    unknown_top = set(raw) - {"defaults", "marketplaces", "title_brands"}
    if unknown_top:
        raise ConfigError(f"{path}: unknown top-level key(s) {sorted(unknown_top)}")
    defaults = raw.get("defaults") or {}
    title_brands = tuple(raw.get("title_brands") or ())
    marketplaces: dict[str, MarketplaceConfig] = {}
    for key, entry in raw["marketplaces"].items():
        if not isinstance(key, str) or not key.isidentifier() or key != key.lower():
            raise ConfigError(f"{path}: marketplace key {key!r} must be a lowercase identifier")
        merged = _deep_merge(defaults, entry or {})
        merged.setdefault("title_brands", title_brands)
        try:
            marketplaces[key] = MarketplaceConfig.model_validate(
                {"key": key, **merged}, context={"allow_private": allow_private}
            )
        except ValidationError as exc:
            raise ConfigError(f"{path}: marketplaces.{key}: {_errors_without_values(exc)}") from None
        except TypeError as exc:
            raise ConfigError(f"{path}: marketplaces.{key}: {exc}") from None
    return RadarCrawlConfig(path=path, marketplaces=marketplaces)


def check_marketplace_keys(keys: list[str] | None, config: RadarCrawlConfig | None = None) -> list[str]:
    """The marketplaces a run names (every configured one when none is named); ConfigError naming
    the keys the config does not know. The one check the CLI, the demo and the flows share."""
    known = list((config or load_config()).marketplaces)
    unknown = sorted(set(keys or []) - set(known))
    if unknown:
        raise ConfigError(f"unknown marketplace(s) {', '.join(unknown)}; configured: {', '.join(known)}")
    return list(keys or known)


def get_marketplace(key: str, path: str | os.PathLike[str] | None = None, settings: Any = None) -> MarketplaceConfig:
    return load_config(path, settings)[key]
