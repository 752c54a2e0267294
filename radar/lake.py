"""The lake: where raw snapshots live (a local directory or s3://bucket/prefix), and how a
day's partition is published so that readers never see half of it.

Layout (docs/architecture.md):
    raw/listings/marketplace=<m>/snapshot_date=<d>/part-<crawl id>.parquet + _manifest.json
        (part-0.parquet in partitions written before crawl ids had their own file names)
    raw/crawl_manifests/marketplace=<m>/snapshot_date=<d>/manifest.parquet
    raw/fx_rates/fetch_date=<d>/feed=<f>/part-0.parquet + _manifest.json   (the ECB's euro reference rates)

A day's partition may hold the files of more than one crawl for a moment (a publish under way, or
one that failed): readers read only the rows of the crawl its manifest names (Lake.read_listings;
the staging SQL joins raw.listings to raw.crawl_manifests on crawl_id), so they see one whole
crawl, the old one or the new one (publish_staged).
    _tmp/<crawl id>/                 a crawl's staging until it publishes (stale ones swept: sweep_staging)
    _leases/<partition>.json         who is publishing a partition, until when (radar/lease.py)
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute  # loads pa.compute
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from radar.items import ListingItem
from radar.settings import RadarSettings, get_settings

if TYPE_CHECKING:
    from radar.lease import Lease

log = logging.getLogger(__name__)

LISTINGS_DIR = "raw/listings"
MANIFESTS_DIR = "raw/crawl_manifests"
FX_RATES_DIR = "raw/fx_rates"
MANIFEST_FILE = "_manifest.json"
MANIFEST_ROW_FILE = "manifest.parquet"  # the crawl_manifests row of a day
DATA_FILE = "part-0.parquet"  # a crawl's staging file; a day's data file before crawl ids named them


def data_file_name(crawl_id: str) -> str:
    """The name of a crawl's data file in its day's partition."""
    return f"part-{crawl_id}.parquet"

MONEY = pa.decimal128(12, 2)
UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

# Partition columns (marketplace, snapshot_date) come from the path, not the file.
RAW_LISTING_SCHEMA = pa.schema(
    [
        ("listing_id", pa.string()),
        ("url", pa.string()),
        ("title", pa.string()),
        ("brand_raw", pa.string()),
        ("model_raw", pa.string()),
        ("size_raw", pa.string()),
        ("color_raw", pa.string()),
        ("material_raw", pa.string()),
        ("condition_raw", pa.string()),
        ("price", MONEY),
        ("currency", pa.string()),
        ("compare_at_price", MONEY),
        ("available", pa.bool_()),
        ("published_at", UTC_TIMESTAMP),
        ("estimated_retail_price", MONEY),
        ("variant_id", pa.string()),
        ("sku", pa.string()),
        ("product_type", pa.string()),
        ("raw_attributes", pa.string()),  # JSON object: readable by Trino json functions and DuckDB
        ("scraped_at", UTC_TIMESTAMP),
        # The crawl that wrote the partition (StagedPartition sets it on every row; NULL in files
        # written before it existed): the SQL trusts a manifest row only with its own crawl's data.
        ("crawl_id", pa.string()),
    ]
)

MANIFEST_SCHEMA = pa.schema(
    [
        ("item_count", pa.int64()),
        ("expected_count", pa.int64()),
        ("complete", pa.bool_()),
        ("finish_reason", pa.string()),
        ("started_at", UTC_TIMESTAMP),
        ("finished_at", UTC_TIMESTAMP),
        ("incomplete_reasons", pa.string()),  # "; "-joined
        # How the site moved during the walk, and what the confirmation of disappearances found
        # (docs/architecture.md); NULL in manifests written before they existed.
        ("shifts_detected", pa.int64()),
        ("pages_refetched", pa.int64()),
        ("expected_count_after", pa.int64()),
        ("confirmations_requested", pa.int64()),
        ("listings_recovered", pa.int64()),
        ("disappearances_confirmed", pa.int64()),
        ("sales_confirmed", pa.int64()),
        ("confirmations_failed", pa.int64()),
        ("crawl_id", pa.string()),  # the crawl whose data this row describes (NULL in older manifests)
    ]
)

# The manifest fields above that count what the crawl did about a moving site (stats `radar/<name>`).
MOVEMENT_FIELDS = (
    "shifts_detected", "pages_refetched", "expected_count_after", "confirmations_requested",
    "listings_recovered", "disappearances_confirmed", "sales_confirmed", "confirmations_failed",
)

# What a raw listing value must be to be stored (listing_value_problem). Money: decimal(12,2)
# holds |value| < 10^10 (the seeds' max_price is 1.4 million); the SQL's business rules (price 0,
# absurd prices) stay in SQL. Counts: int64. Text: identifiers are short, free text is bounded
# so that one broken page cannot fill a Parquet page.
MONEY_LIMIT = Decimal(10) ** (MONEY.precision - MONEY.scale)
_MONEY_QUANTUM = Decimal(1).scaleb(-MONEY.scale)
_MONEY_CONTEXT = Context(prec=MONEY.precision + 10)
INT64_MAX = 2**63 - 1
MAX_ID_LENGTH = 256
MAX_TEXT_LENGTH = 100_000
_ID_FIELDS = frozenset({"listing_id", "variant_id", "sku", "currency"})
# The manifest's integer fields (MANIFEST_SCHEMA int64 columns).
MANIFEST_COUNT_FIELDS = ("item_count", "expected_count", *MOVEMENT_FIELDS)
_SURROGATES = re.compile("[\ud800-\udfff]")


# One row per currency and ECB publication day of one fetch; fetch_date and feed come from the path.
FX_RATE_SCHEMA = pa.schema(
    [
        ("rate_date", pa.date32()),
        ("currency", pa.string()),
        ("units_per_eur", pa.float64()),
        ("source_url", pa.string()),
    ]
)


@dataclass(frozen=True)
class LastSnapshot:
    """The listings a crawl must account for (Lake.listings_to_confirm)."""

    snapshot_date: date  # the last complete snapshot
    handles: dict[str, str]  # listing id -> handle


class LakeError(RuntimeError):
    """The lake could not be read or written; nothing was published."""


@dataclass(frozen=True)
class Lake:
    """A lake root on a pyarrow filesystem (local or S3)."""

    filesystem: pafs.FileSystem
    root: str  # path inside the filesystem: "/abs/dir" or "bucket/prefix"
    url: str
    # Where the S3 API is (radar.lease takes its leases with conditional S3 requests); unused locally.
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"

    @classmethod
    def from_url(cls, url: str, settings: RadarSettings | None = None) -> Lake:
        settings = settings or get_settings()
        if url.startswith("s3://"):
            return cls(s3_filesystem(settings), url.removeprefix("s3://").rstrip("/"), url,
                       settings.s3_endpoint_url, settings.s3_region)
        path = os.path.abspath(url.removeprefix("file://"))
        return cls(pafs.LocalFileSystem(), path, url)

    @property
    def is_s3(self) -> bool:
        # By the URL: a wrapped S3 filesystem (pafs.PyFileSystem, in tests) is S3 all the same.
        return self.url.startswith("s3://")

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def partition_path(self, marketplace: str, snapshot_date: date) -> str:
        return self.path(LISTINGS_DIR, f"marketplace={marketplace}", f"snapshot_date={snapshot_date.isoformat()}")

    def fx_rates_path(self, fetch_date: date, feed: str) -> str:
        return self.path(FX_RATES_DIR, f"fetch_date={fetch_date.isoformat()}", f"feed={feed}")

    def read_fx_manifest(self, fetch_date: date, feed: str) -> dict[str, Any] | None:
        return self._read_json(self.fx_rates_path(fetch_date, feed) + "/" + MANIFEST_FILE)

    def manifest_table_path(self, marketplace: str, snapshot_date: date) -> str:
        return self.path(MANIFESTS_DIR, f"marketplace={marketplace}", f"snapshot_date={snapshot_date.isoformat()}")

    def exists(self, path: str) -> bool:
        return self.filesystem.get_file_info(path).type != pafs.FileType.NotFound

    def read_manifest(self, marketplace: str, snapshot_date: date) -> dict[str, Any] | None:
        return self._read_json(self.partition_path(marketplace, snapshot_date) + "/" + MANIFEST_FILE)

    def _read_json(self, path: str) -> dict[str, Any] | None:
        if not self.exists(path):
            return None
        with self.filesystem.open_input_stream(path) as stream:
            return json.loads(stream.read())

    def read_listings(self, marketplace: str, snapshot_date: date) -> pa.Table:
        """The day's published listings: the rows of the crawl its _manifest.json names (empty when none)."""
        return self._published_rows(marketplace, snapshot_date)

    def _published_rows(self, marketplace: str, snapshot_date: date, columns: list[str] | None = None) -> pa.Table:
        """The rows of the crawl the day's _manifest.json names, from its part-<crawl id>.parquet
        (or a part-0.parquet of before); without a manifest, or one without a crawl id (written
        before crawl ids), the rows without one. Files of another crawl beside them (a publish
        under way or one that failed) are never read."""
        directory = self.partition_path(marketplace, snapshot_date)
        for _ in range(3):
            crawl_id = (self.read_manifest(marketplace, snapshot_date) or {}).get("crawl_id")
            names = ([data_file_name(crawl_id)] if crawl_id else []) + [DATA_FILE]
            paths = [f"{directory}/{name}" for name in names if self.exists(f"{directory}/{name}")]
            wanted = pa.compute.field("crawl_id") == crawl_id if crawl_id else pa.compute.field("crawl_id").is_null()
            try:
                dataset = pads.dataset(paths, schema=RAW_LISTING_SCHEMA, format="parquet", filesystem=self.filesystem)
                return dataset.to_table(columns=columns, filter=wanted)
            except FileNotFoundError:  # a publish replaced the day between its manifest and its data: again
                continue
        raise LakeError(f"{directory} kept changing while it was read (publishes under way)")

    def snapshot_dates(self, marketplace: str) -> list[date]:
        base = self.path(LISTINGS_DIR, f"marketplace={marketplace}")
        if not self.exists(base):
            return []
        infos = self.filesystem.get_file_info(pafs.FileSelector(base))
        found = []
        for info in infos:
            name = info.base_name
            if info.type == pafs.FileType.Directory and name.startswith("snapshot_date="):
                found.append(date.fromisoformat(name.removeprefix("snapshot_date=")))
        return sorted(found)

    def listing_ids_seen(self, marketplace: str, before: date, lookback_days: int = 30, having: str | None = None) -> set[str]:
        """Ids seen in the snapshots of the last `lookback_days` before `before` (where column `having` is set)."""
        days = [d for d in self.snapshot_dates(marketplace) if (before - d).days in range(1, lookback_days + 1)]
        seen: set[str] = set()
        for day in days:
            columns = ["listing_id"] + ([having] if having else [])
            table = self._published_rows(marketplace, day, columns)
            if having:
                table = table.filter(pa.compute.is_valid(table[having]))
            seen.update(table.column("listing_id").to_pylist())
        return seen

    def listings_to_confirm(self, marketplace: str, before: date, lookback_days: int = 14) -> LastSnapshot | None:
        """What a crawl on `before` must account for: the listings shown for sale in the newest
        complete snapshot before it (at most `lookback_days` old) and in any snapshot after that
        one (incomplete ones), id -> handle (raw_attributes["handle"], "" when it has none).
        None when there is no complete snapshot to start from."""
        days = [d for d in self.snapshot_dates(marketplace) if 0 < (before - d).days <= lookback_days]
        for index in range(len(days) - 1, -1, -1):
            manifest = self.read_manifest(marketplace, days[index])
            if manifest and manifest.get("complete"):
                handles: dict[str, str] = {}
                for day in days[index:]:  # the complete one first; a later sighting wins
                    for_sale, shown_sold = self._handles_for_sale(marketplace, day)
                    for listing_id in shown_sold:  # an observed sale already: nothing to confirm
                        handles.pop(listing_id, None)
                    handles.update(for_sale)
                return LastSnapshot(days[index], handles)
        return None

    def _handles_for_sale(self, marketplace: str, day: date) -> tuple[dict[str, str], set[str]]:
        """(id -> handle of the listings shown for sale, ids shown sold) in one day's partition."""
        table = self._published_rows(marketplace, day, ["listing_id", "available", "raw_attributes"])
        for_sale: dict[str, str] = {}
        shown_sold: set[str] = set()
        for listing_id, available, raw in zip(*(table.column(c).to_pylist() for c in table.column_names)):
            if available is False:
                shown_sold.add(listing_id)
            else:
                for_sale[listing_id] = str(json.loads(raw or "{}").get("handle") or "")
        return for_sale, shown_sold

    def previous_manifests(self, marketplace: str, before: date, limit: int = 7) -> list[dict[str, Any]]:
        """Manifests of the last `limit` snapshot days before `before`, newest first."""
        days = [d for d in self.snapshot_dates(marketplace) if d < before][-limit:]
        manifests = [self.read_manifest(marketplace, d) for d in reversed(days)]
        return [m for m in manifests if m is not None]


def s3_filesystem(settings: RadarSettings) -> pafs.S3FileSystem:
    # Credentials come from the standard AWS_* environment (or the instance role), never from config files.
    return pafs.S3FileSystem(
        endpoint_override=settings.s3_endpoint_url,
        region=settings.s3_region,
        scheme="http" if (settings.s3_endpoint_url or "").startswith("http://") else "https",
    )


class BadValue(ValueError):
    """A listing value the raw schema cannot hold; `reason` names it (`price_out_of_range`)."""

    def __init__(self, reason: str, value: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.value = value


def listing_value_problem(record: Mapping[str, Any]) -> str | None:
    """Why this record cannot be stored in RAW_LISTING_SCHEMA (`<field>_unparsable`,
    `<field>_out_of_range`, `<field>_too_long`), or None. Only what cannot be stored: a price of
    0 or of 5 million is kept and judged by the SQL's row rules."""
    for name in RAW_LISTING_SCHEMA.names:
        try:
            _to_arrow_value(name, record.get(name))
        except BadValue as problem:
            return problem.reason
    return None


def listings_to_table(items: Iterable[ListingItem | dict[str, Any]]) -> pa.Table:
    """Arrow table in RAW_LISTING_SCHEMA; raises LakeError naming the record and the value that does not fit."""
    columns: dict[str, list[Any]] = {name: [] for name in RAW_LISTING_SCHEMA.names}
    for item in items:
        record = dataclasses.asdict(item) if dataclasses.is_dataclass(item) else dict(item)
        for name in RAW_LISTING_SCHEMA.names:
            try:
                columns[name].append(_to_arrow_value(name, record.get(name)))
            except BadValue as problem:
                shown = str(record.get("listing_id"))[:80]
                raise LakeError(f"listing {shown!r} does not fit the raw schema: {problem.reason}") from None
    try:
        return pa.table(columns, schema=RAW_LISTING_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as error:
        raise LakeError(f"listing items do not fit the raw schema: {error}") from error


def _to_arrow_value(name: str, value: Any) -> Any:
    """One value as RAW_LISTING_SCHEMA stores it; BadValue when it cannot be."""
    if value is None:
        return None
    kind = RAW_LISTING_SCHEMA.field(name).type
    if name == "raw_attributes":
        if not isinstance(value, Mapping):
            raise BadValue(f"{name}_unparsable", value)
        try:
            text = json.dumps({str(k): v for k, v in value.items()}, sort_keys=True, ensure_ascii=False, default=str)
        except (TypeError, ValueError, RecursionError):
            raise BadValue(f"{name}_unparsable", value) from None
        return _valid_text(name, text, MAX_TEXT_LENGTH)
    if pa.types.is_string(kind):
        if not isinstance(value, str):
            raise BadValue(f"{name}_unparsable", value)
        return _valid_text(name, value, MAX_ID_LENGTH if name in _ID_FIELDS else MAX_TEXT_LENGTH)
    if isinstance(kind, pa.Decimal128Type):
        return to_money(value, name)
    if pa.types.is_timestamp(kind):
        if not isinstance(value, datetime):
            raise BadValue(f"{name}_unparsable", value)
        try:
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        except (OverflowError, ValueError):
            raise BadValue(f"{name}_out_of_range", value) from None
    if pa.types.is_boolean(kind) and not isinstance(value, bool):
        raise BadValue(f"{name}_unparsable", value)
    return value


def to_money(value: Any, name: str = "price") -> Decimal:
    """A money value as decimal(12,2) holds it (rounded half-even to cents); BadValue
    `<name>_unparsable` (not a finite number) or `<name>_out_of_range` (|value| >= 10^10)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise BadValue(f"{name}_unparsable", value)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BadValue(f"{name}_unparsable", value) from None
    if not amount.is_finite():
        raise BadValue(f"{name}_unparsable", value)
    if abs(amount) >= MONEY_LIMIT:
        raise BadValue(f"{name}_out_of_range", value)
    rounded = amount.quantize(_MONEY_QUANTUM, context=_MONEY_CONTEXT)
    if abs(rounded) >= MONEY_LIMIT:  # 9999999999.995 rounds up to 10^10
        raise BadValue(f"{name}_out_of_range", value)
    return rounded


def _valid_text(name: str, text: str, limit: int) -> str:
    if len(text) > limit:
        raise BadValue(f"{name}_too_long", text[:80])
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON "\\ud800"): UTF-8 cannot hold it
        return _SURROGATES.sub("\ufffd", text)
    return text


def count_problem(value: Any) -> str | None:
    """Why `value` is no count an int64 column can hold ("not an integer", "out of range"), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return "not an integer"
    if not 0 <= value <= INT64_MAX:
        return "out of range"
    return None


def manifest_to_table(manifest: dict[str, Any]) -> pa.Table:
    """The manifest's crawl_manifests row; LakeError naming a field MANIFEST_SCHEMA cannot hold."""
    for name in MANIFEST_COUNT_FIELDS:
        value = manifest.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or abs(value) > INT64_MAX):
            raise LakeError(f"manifest field {name}={str(value)[:40]} does not fit int64")
    row = {
        "item_count": manifest.get("item_count"),
        "expected_count": manifest.get("expected_count"),
        "complete": bool(manifest.get("complete")),
        "finish_reason": manifest.get("finish_reason"),
        "started_at": _parse_timestamp(manifest.get("started_at")),
        "finished_at": _parse_timestamp(manifest.get("finished_at")),
        "incomplete_reasons": "; ".join(manifest.get("incomplete_reasons") or []),
        **{name: manifest.get(name) for name in MOVEMENT_FIELDS},
        "crawl_id": manifest.get("crawl_id"),
    }
    try:
        return pa.table({k: [v] for k, v in row.items()}, schema=MANIFEST_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, ValueError) as error:
        raise LakeError(f"the manifest does not fit the crawl_manifests schema: {error}") from error


def _parse_timestamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class PublishResult:
    published: bool
    path: str
    reason: str  # why it was, or was not, published
    crawl_id: str = ""  # the crawl's id, in its data rows, _manifest.json and crawl_manifests row


STAGING_DIR = "_tmp"
STAGING_MARKER = "_staging.json"
# Staging untouched for this long belongs to a crawl that died on another machine (a crawl writes
# its batches as it goes; a dead one on this machine is swept at once): sweep_staging removes it.
STALE_STAGING_AFTER = timedelta(days=1)


class StagedPartition:
    """A day's listings written aside under _tmp/<crawl id>/ in batches, so a crawl's memory stays
    bounded; published (or set aside) in one step by publish_staged(). Every row carries the
    crawl id (column crawl_id), and so do the manifests. _tmp/<crawl id>/_staging.json says whose
    staging it is (host, pid), so sweep_staging can tell a killed crawl's from a running one's."""

    def __init__(self, lake: Lake, schema: pa.Schema = RAW_LISTING_SCHEMA) -> None:
        self.lake = lake
        self.schema = schema
        self.crawl_id = uuid.uuid4().hex
        self.directory = lake.path(STAGING_DIR, self.crawl_id)
        self.row_count = 0
        self._writer: pq.ParquetWriter | None = None
        self._discarded = False

    def write(self, table: pa.Table) -> None:
        if self._discarded:
            raise LakeError(f"{self.directory} was discarded after a failed write; nothing more is staged")
        if "crawl_id" in self.schema.names:
            table = _with_crawl_id(table, self.crawl_id)
        try:
            if self._writer is None:
                self.lake.filesystem.create_dir(self.directory, recursive=True)
                marker = {"crawl_id": self.crawl_id, "host": socket.gethostname(), "pid": os.getpid(),
                          "started_at": datetime.now(UTC).isoformat()}
                with self.lake.filesystem.open_output_stream(self.directory + "/" + STAGING_MARKER) as stream:
                    stream.write(json.dumps(marker).encode())
                self._writer = pq.ParquetWriter(
                    self.directory + "/" + DATA_FILE, self.schema, filesystem=self.lake.filesystem, compression="zstd"
                )
            self._writer.write_table(table)
        except OSError as error:
            self.discard()  # a half-written staging is of no use to anyone: gone now, not at the next sweep
            raise LakeError(f"writing {self.directory} failed: {error}") from error
        self.row_count += table.num_rows

    def finish(self, manifest: dict[str, Any]) -> None:
        """Close the data file (an empty one if nothing came) and write the manifest beside it."""
        if self._writer is None:
            self.write(self.schema.empty_table())
        assert self._writer is not None  # write() opened it
        try:
            self._writer.close()
            with self.lake.filesystem.open_output_stream(self.directory + "/" + MANIFEST_FILE) as stream:
                stream.write(manifest_bytes(manifest))
        except OSError as error:
            raise LakeError(f"writing {self.directory} failed: {error}") from error

    def discard(self) -> None:
        """Remove this staging (a crawl that will not publish it); never raises."""
        self._discarded = True
        try:
            if self._writer is not None:
                self._writer.close()
        except Exception:  # noqa: BLE001 - the file goes away anyway
            pass
        try:
            if self.lake.exists(self.directory):
                self.lake.filesystem.delete_dir(self.directory)
        except OSError as error:
            log.warning("could not remove %s (the next publish sweeps it): %s", self.directory, error)


def _with_crawl_id(table: pa.Table, crawl_id: str) -> pa.Table:
    column = pa.array([crawl_id] * table.num_rows, pa.string())
    if "crawl_id" in table.column_names:
        return table.set_column(table.column_names.index("crawl_id"), "crawl_id", column)
    return table.append_column("crawl_id", column)


def publish_partition(
    lake: Lake, marketplace: str, snapshot_date: date, table: pa.Table, manifest: dict[str, Any]
) -> PublishResult:
    """Publish a whole day held in memory (see publish_staged)."""
    staged = StagedPartition(lake)
    try:
        staged.write(table)
    except BaseException:
        staged.discard()
        raise
    return publish_staged(staged, marketplace, snapshot_date, manifest)


def publish_staged(staged: StagedPartition, marketplace: str, snapshot_date: date, manifest: dict[str, Any]) -> PublishResult:
    """Publish one crawl's day, failure-atomic: readers see the earlier crawl's day or this one's,
    whole, at every step and after a failure at any step.

    One writer at a time: the day's lease (radar.lease) is taken first; a crawl that finds it held
    raises LeaseHeldError (a LakeError naming the holder and its expiry) and publishes nothing.
    An incomplete crawl never replaces a complete one: it is kept aside under raw/_rejected/ for
    inspection, and the good partition stays. Otherwise nothing is deleted before its
    replacement is in place (_publish_day):

    1. the data goes in beside the earlier crawl's, as part-<crawl id>.parquet: no reader reads it
       yet (readers read the rows of the crawl the manifests name);
    2. the crawl_manifests row is replaced in one step (a rename locally, one PUT on S3): the SQL
       reads this crawl from here on;
    3. _manifest.json likewise: the Python readers (Lake.read_listings, ...) too; if it fails, the
       earlier row is put back, so both readers stay on the earlier crawl;
    4. the earlier crawl's files (and any left by a failed publish) are removed; a failure here
       only leaves files no reader reads, removed by the day's next publish.

    A failure before step 4 raises LakeError and leaves the earlier day as it was (its new data
    file removed where it can be). Whatever happens, the crawl's staging is gone afterwards, and
    so is the stale staging of killed crawls (sweep_staging).
    """
    lake = staged.lake
    manifest = {**manifest, "crawl_id": staged.crawl_id}
    final_dir = lake.partition_path(marketplace, snapshot_date)
    scope = f"listings/marketplace={marketplace}/snapshot_date={snapshot_date.isoformat()}"
    with _publishing(staged, manifest, scope, final_dir, "day") as lease:
        existing = lake.read_manifest(marketplace, snapshot_date)
        if existing and existing.get("complete") and not manifest.get("complete"):
            rejected = lake.path("raw/_rejected", marketplace, snapshot_date.isoformat(), staged.crawl_id)
            _move_files(lake, staged.directory, rejected)
            return PublishResult(False, rejected, "kept the existing complete snapshot; this incomplete crawl "
                                 "was set aside", staged.crawl_id)
        row = manifest_to_table(manifest)  # before anything moves: a manifest that does not fit stops here
        lease.renew()
        _publish_day(lake, staged, final_dir, lake.manifest_table_path(marketplace, snapshot_date), row,
                     manifest, lease.renew)
    return PublishResult(True, final_dir, "published", staged.crawl_id)


@contextmanager
def _publishing(staged: StagedPartition, manifest: dict[str, Any], scope: str, final_dir: str,
                earlier: str, rows: pa.Table | None = None) -> Iterator[Lease]:
    """What publish_staged and publish_fx_rates share around their switch: `rows` written to the
    staging (a crawl's staging is written as it runs), the staging finished with its manifest,
    then the scope's lease held for the block (LeaseHeldError when another writer has it). An
    OSError in the block is a LakeError saying the earlier `earlier` is still the one readers see.
    Whatever happens, the staging is gone afterwards, and so is the stale staging of killed
    crawls (sweep_staging)."""
    from radar.lease import hold, owner_id

    try:
        if rows is not None:
            staged.write(rows)
        staged.finish(manifest)
        with hold(staged.lake, scope, owner_id(staged.crawl_id)) as lease:
            try:
                yield lease
            except OSError as error:
                raise LakeError(f"publishing {final_dir} failed (the earlier {earlier} is still the one readers "
                                f"see): {error}") from error
    finally:
        staged.discard()
        _sweep_quietly(staged.lake)


def _publish_day(lake: Lake, staged: StagedPartition, final_dir: str, manifest_dir: str, row: pa.Table,
                 manifest: dict[str, Any], renew: Callable[[], None]) -> None:
    """Steps 1-4 of publish_staged; OSError when the day was not switched to the new crawl."""
    fs = lake.filesystem
    data_name = data_file_name(staged.crawl_id)
    row_path = f"{manifest_dir}/{MANIFEST_ROW_FILE}"
    row_switched = manifest_switched = False
    try:
        fs.create_dir(final_dir, recursive=True)
        fs.move(f"{staged.directory}/{DATA_FILE}", f"{final_dir}/{data_name}")  # 1: read by nobody yet
        earlier_row = _read_bytes(lake, row_path)
        fs.create_dir(manifest_dir, recursive=True)
        # Still ours right before the switch (LeaseLostError otherwise); steps 2-3 follow at once,
        # so putting the earlier row back never overwrites a writer that took the lease over.
        renew()
        _put_atomically(lake, row_path, _parquet_bytes(row))  # 2: the SQL's switch
        row_switched = True
        _put_atomically(lake, f"{final_dir}/{MANIFEST_FILE}", manifest_bytes(manifest))  # 3: the Python readers'
        manifest_switched = True
    finally:
        if row_switched and not manifest_switched:
            try:  # back to the earlier crawl for the SQL too
                _restore(lake, row_path, earlier_row)
                row_switched = False
            except OSError as error:
                log.error("%s: the crawl_manifests row names crawl %s but _manifest.json the earlier crawl; "
                          "each reader still sees one whole crawl, publish the day again: %s",
                          final_dir, staged.crawl_id, error)
        if not row_switched:
            _delete_quietly(lake, f"{final_dir}/{data_name}")
    _remove_other_files(lake, final_dir, keep={data_name, MANIFEST_FILE})  # 4
    _remove_other_files(lake, manifest_dir, keep={MANIFEST_ROW_FILE})


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """_manifest.json as written."""
    return json.dumps(manifest, indent=2, sort_keys=True, default=str).encode()


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _read_bytes(lake: Lake, path: str) -> bytes | None:
    if not lake.exists(path):
        return None
    with lake.filesystem.open_input_stream(path) as stream:
        return stream.read()


def _put_atomically(lake: Lake, path: str, data: bytes) -> None:
    """Replace the file at `path` in one step: readers see the old content or the new, never part
    of it, never none. S3: one PUT (an object appears whole, and a failed upload leaves the old
    one). Locally: a hidden temporary file (.<name>.<id>.tmp, which no reader lists) renamed over it."""
    fs = lake.filesystem
    if lake.is_s3:
        with fs.open_output_stream(path) as stream:
            stream.write(data)
        return
    directory, name = path.rsplit("/", 1)
    temporary = f"{directory}/.{name}.{uuid.uuid4().hex}.tmp"
    try:
        with fs.open_output_stream(temporary) as stream:
            stream.write(data)
        fs.move(temporary, path)
    except BaseException:
        _delete_quietly(lake, temporary)
        raise


def _restore(lake: Lake, path: str, earlier: bytes | None) -> None:
    """Put back what `path` held before (nothing: remove it)."""
    if earlier is None:
        if lake.exists(path):
            lake.filesystem.delete_file(path)
    else:
        _put_atomically(lake, path, earlier)


def _delete_quietly(lake: Lake, path: str) -> None:
    try:
        if lake.exists(path):
            lake.filesystem.delete_file(path)
    except OSError as error:  # a file no reader reads: the day's next publish removes it
        log.warning("could not remove %s (the next publish of its partition does): %s", path, error)


def _remove_other_files(lake: Lake, directory: str, keep: set[str]) -> None:
    """Remove the files of `directory` not in `keep`: the earlier crawl's, a failed publish's, a
    killed publish's hidden temporary files. Never raises (readers do not read them anyway)."""
    try:
        infos = lake.filesystem.get_file_info(pafs.FileSelector(directory))
    except OSError as error:
        log.warning("could not list %s (the next publish of it cleans it): %s", directory, error)
        return
    for info in infos:
        if info.type == pafs.FileType.File and info.base_name not in keep:
            _delete_quietly(lake, info.path)


def publish_fx_rates(lake: Lake, fetch_date: date, feed: str, table: pa.Table, manifest: dict[str, Any]) -> PublishResult:
    """Publish one fetch of the exchange rates as raw/fx_rates/fetch_date=<d>/feed=<f>/ (data,
    then its manifest), replacing that day's fetch of that feed (so the daily 90-day file never
    replaces a backfill's whole history). Failure-atomic like publish_staged: the SQL reads only
    the data file (there is no fx row table to switch), so the data file itself is replaced in
    one step (_put_atomically), then _manifest.json; if the manifest cannot be written, the
    earlier data is put back. One writer at a time, as publish_staged: a fetch that finds the
    lease held raises LeaseHeldError."""
    if table.num_rows == 0:
        raise LakeError(f"no exchange rates to publish for fetch_date={fetch_date} feed={feed}")
    try:
        rates = table.select(FX_RATE_SCHEMA.names).cast(FX_RATE_SCHEMA)
    except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError) as error:
        raise LakeError(f"exchange rates do not fit {FX_RATE_SCHEMA}: {error}") from error
    staged = StagedPartition(lake, FX_RATE_SCHEMA)
    final_dir = lake.fx_rates_path(fetch_date, feed)
    manifest = {**manifest, "fetch_id": staged.crawl_id}
    scope = f"fx_rates/fetch_date={fetch_date.isoformat()}/feed={feed}"
    with _publishing(staged, manifest, scope, final_dir, "fetch", rows=rates) as lease:
        lease.renew()
        _publish_fetch(lake, staged, final_dir, manifest)
    return PublishResult(True, final_dir, "published", staged.crawl_id)


def _publish_fetch(lake: Lake, staged: StagedPartition, final_dir: str, manifest: dict[str, Any]) -> None:
    data_path = f"{final_dir}/{DATA_FILE}"
    new_data = _read_bytes(lake, f"{staged.directory}/{DATA_FILE}")
    if new_data is None:
        raise LakeError(f"nothing to publish: {staged.directory}/{DATA_FILE} is missing")
    earlier_data = _read_bytes(lake, data_path)
    lake.filesystem.create_dir(final_dir, recursive=True)
    _put_atomically(lake, data_path, new_data)  # the SQL reads this fetch from here on
    try:
        _put_atomically(lake, f"{final_dir}/{MANIFEST_FILE}", manifest_bytes(manifest))
    except BaseException:
        try:
            _restore(lake, data_path, earlier_data)
        except OSError as error:
            log.error("%s: the data is fetch %s's but _manifest.json the earlier fetch's; fetch the day again: %s",
                      final_dir, manifest.get("fetch_id"), error)
        raise
    _remove_other_files(lake, final_dir, keep={DATA_FILE, MANIFEST_FILE})


def sweep_staging(lake: Lake, older_than: timedelta = STALE_STAGING_AFTER, now: datetime | None = None) -> list[str]:
    """Remove the staging no crawl will publish: _tmp/<id>/ of a crawl that died on this machine
    (its _staging.json names this host and a process that is gone), and any _tmp/<id>/ whose
    files were all last written more than `older_than` ago (a crawl that died elsewhere).
    Returns the directories removed. Every publish runs it (publish_staged, publish_fx_rates)."""
    now = now or datetime.now(UTC)
    base = lake.path(STAGING_DIR)
    if not lake.exists(base):
        return []
    swept = []
    for entry in lake.filesystem.get_file_info(pafs.FileSelector(base)):
        if entry.type != pafs.FileType.Directory:
            continue
        files = [i for i in lake.filesystem.get_file_info(pafs.FileSelector(entry.path, recursive=True))
                 if i.type == pafs.FileType.File]
        if _staging_owner_is_dead(lake, entry.path) or _idle_since(entry, files) <= now - older_than:
            lake.filesystem.delete_dir(entry.path)
            swept.append(entry.path)
            log.info("swept stale staging %s (%d files)", entry.path, len(files))
    return swept


def _idle_since(directory: pafs.FileInfo, files: list[pafs.FileInfo]) -> datetime:
    times = [i.mtime for i in [directory, *files] if i.mtime is not None]
    if not times:
        return datetime.min.replace(tzinfo=UTC)  # nothing written, nothing to lose
    latest = max(times)
    return latest if latest.tzinfo else latest.replace(tzinfo=UTC)


def _staging_owner_is_dead(lake: Lake, directory: str) -> bool:
    marker = _read_json_quietly(lake, directory + "/" + STAGING_MARKER)
    if not marker or marker.get("host") != socket.gethostname() or not isinstance(marker.get("pid"), int):
        return False  # another machine's crawl (or an older one): only its age tells
    pid = marker["pid"]
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def _read_json_quietly(lake: Lake, path: str) -> dict[str, Any] | None:
    try:
        found = lake._read_json(path)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _sweep_quietly(lake: Lake) -> None:
    try:
        sweep_staging(lake)
    except OSError as error:  # housekeeping never fails a publish
        log.warning("sweeping %s failed: %s", lake.path(STAGING_DIR), error)


def _move_files(lake: Lake, source_dir: str, target_dir: str) -> None:
    fs = lake.filesystem
    fs.create_dir(target_dir, recursive=True)
    fs.move(source_dir + "/" + DATA_FILE, target_dir + "/" + DATA_FILE)
    fs.move(source_dir + "/" + MANIFEST_FILE, target_dir + "/" + MANIFEST_FILE)
    fs.delete_dir(source_dir)
