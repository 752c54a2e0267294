"""One writer per lake partition: a lease with an owner and an expiry, stored in the lake itself.

A crawl's day (raw/listings/marketplace=<m>/snapshot_date=<d>) or a fetch of the exchange rates
(raw/fx_rates/fetch_date=<d>/feed=<f>) is published by whoever holds its lease,
`<lake>/_leases/<scope>.json`:

    {"owner": "<host>:<pid>:<crawl id>", "scope": ..., "acquired_at": ..., "expires_at": ...}

Taking, renewing, taking over and releasing are compare-and-swap steps, so two writers can never
both hold one lease:

- on S3, conditional writes: PutObject with If-None-Match: * creates the lease only if there is
  none; an expired lease is replaced (PutObject) and released (DeleteObject) with If-Match on
  the ETag the holder last saw;
- on a local directory, each step runs under an exclusive flock(2) on `_leases/.lock` (one file,
  never deleted; the kernel drops the lock of a killed process) and writes the lease with an
  atomic rename, so a reader never sees half a lease.

A lease that is still valid makes the newcomer fail with LeaseHeldError, which names the holder
and the expiry. An expired lease (its holder was killed, or is too slow) is taken over; its
holder's next renew() or release() finds out (LeaseLostError / a warning). Expiry is a UTC
timestamp: writers on several machines need clocks within a small part of the TTL.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from radar.lake import Lake, LakeError

log = logging.getLogger(__name__)

LEASES_DIR = "_leases"
LOCK_FILE = ".lock"
# Long enough for the slowest publish (moves of a day's files on S3 take seconds); the publisher
# renews it between its steps, so only a writer stalled for this long loses it.
DEFAULT_TTL = timedelta(minutes=10)


class LeaseError(LakeError):
    """A lease of the lake could not be taken or kept; nothing was published."""


class LeaseHeldError(LeaseError):
    """Another writer holds the lease: it is publishing the same partition right now."""

    def __init__(self, scope: str, holder: LeaseRecord | None, detail: str = "") -> None:
        self.scope = scope
        self.holder = holder
        if holder is None:
            message = f"{scope} is being published by another writer{detail}"
        else:
            message = (f"{scope} is being published by {holder.owner} (lease taken {holder.acquired_at}, "
                       f"valid until {holder.expires_at}){detail}; nothing was published")
        super().__init__(message)


class LeaseLostError(LeaseError):
    """The lease expired and another writer took it over before this one finished."""


@dataclass(frozen=True)
class LeaseRecord:
    owner: str
    scope: str
    acquired_at: str  # ISO 8601, UTC
    expires_at: str

    def expired(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.expires_at) <= now

    def to_bytes(self) -> bytes:
        return json.dumps(self.__dict__, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> LeaseRecord:
        fields = json.loads(data)
        return cls(str(fields["owner"]), str(fields["scope"]), str(fields["acquired_at"]), str(fields["expires_at"]))


def owner_id(tag: str | None = None) -> str:
    """<host>:<pid>:<tag>: who holds a lease, readable in the error the other writer gets."""
    return f"{socket.gethostname()}:{os.getpid()}:{tag or uuid.uuid4().hex[:12]}"


class Lease:
    """The lease of one scope (e.g. "listings/marketplace=rebag/snapshot_date=2026-09-03")."""

    def __init__(self, lake: Lake, scope: str, owner: str | None = None, ttl: timedelta = DEFAULT_TTL) -> None:
        self.lake = lake
        self.scope = scope
        self.owner = owner or owner_id()
        self.ttl = ttl
        self._store = _S3Store(lake) if lake.is_s3 else _LocalStore(lake)
        self._key = f"{scope}.json"
        self._token: str | None = None  # ETag (S3) or content hash (local) of the lease we wrote

    @property
    def held(self) -> bool:
        return self._token is not None

    def holder(self) -> LeaseRecord | None:
        found = self._store.read(self._key)
        return _parse(found[0], self._key) if found else None

    def acquire(self) -> Lease:
        """Take the lease, or take over an expired one; LeaseHeldError when another writer holds it."""
        for _ in range(5):  # a lease released or taken over between our steps: look again
            body = self._record().to_bytes()
            token = self._store.create(self._key, body)
            if token is not None:
                self._token = token
                return self
            found = self._store.read(self._key)
            if found is None:
                continue
            current = _parse(found[0], self._key)
            if not current.expired(_now()):
                raise LeaseHeldError(self.scope, current)
            token = self._store.replace(self._key, body, found[1])
            if token is not None:
                log.warning("took over the expired lease of %s from %s (expired %s)", self.scope, current.owner,
                            current.expires_at)
                self._token = token
                return self
        raise LeaseHeldError(self.scope, self.holder(), " (the lease kept changing hands)")

    def renew(self) -> None:
        """Extend the lease by its TTL; LeaseLostError if another writer has taken it over."""
        if self._token is None:
            raise LeaseLostError(f"{self.scope}: the lease is not held by {self.owner}")
        token = self._store.replace(self._key, self._record().to_bytes(), self._token)
        if token is None:
            self._token = None
            holder = self.holder()
            by = f" by {holder.owner} (until {holder.expires_at})" if holder else ""
            raise LeaseLostError(f"{self.scope}: the lease of {self.owner} expired and was taken over{by}; "
                                 "stopped before publishing anything more")
        self._token = token

    def release(self) -> None:
        """Give the lease up (only if it is still ours: a taken-over lease stays with its new holder)."""
        if self._token is None:
            return
        if not self._store.delete(self._key, self._token):
            log.warning("the lease of %s was taken over from %s before it was released", self.scope, self.owner)
        self._token = None

    def _record(self) -> LeaseRecord:
        now = _now()
        return LeaseRecord(self.owner, self.scope, now.isoformat(), (now + self.ttl).isoformat())

    def __enter__(self) -> Lease:
        return self.acquire()

    def __exit__(self, *exc: Any) -> None:
        self.release()


@contextmanager
def hold(lake: Lake, scope: str, owner: str | None = None, ttl: timedelta = DEFAULT_TTL) -> Iterator[Lease]:
    """The lease of `scope` for the duration of the block (released even when the block fails)."""
    lease = Lease(lake, scope, owner, ttl).acquire()
    try:
        yield lease
    finally:
        lease.release()


def _now() -> datetime:
    return datetime.now(UTC)


def _parse(data: bytes, key: str) -> LeaseRecord:
    try:
        return LeaseRecord.from_bytes(data)
    except (ValueError, KeyError, TypeError) as error:
        raise LeaseError(f"the lease {LEASES_DIR}/{key} is unreadable ({error}); if no writer is publishing "
                         "that partition, delete it") from error


# ------------------------------------------------------------------ stores


class _LocalStore:
    """Compare-and-swap on a local directory: every step under one exclusive flock."""

    def __init__(self, lake: Lake) -> None:
        self.base = lake.path(LEASES_DIR)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            os.makedirs(self.base, exist_ok=True)
            fd = os.open(os.path.join(self.base, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise LeaseError(f"cannot lock {self.base}: {error}") from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the lock

    def _path(self, key: str) -> str:
        return os.path.join(self.base, key)

    def _read(self, key: str) -> tuple[bytes, str] | None:
        try:
            with open(self._path(key), "rb") as file:
                data = file.read()
        except FileNotFoundError:
            return None
        return data, hashlib.sha256(data).hexdigest()

    def _write(self, key: str, body: bytes) -> str:
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{uuid.uuid4().hex}.tmp"
        with open(temporary, "wb") as file:
            file.write(body)
        os.replace(temporary, path)  # atomic: readers see the old lease or the new one
        return hashlib.sha256(body).hexdigest()

    def read(self, key: str) -> tuple[bytes, str] | None:
        return self._read(key)

    def create(self, key: str, body: bytes) -> str | None:
        with self._locked():
            return None if self._read(key) is not None else self._write(key, body)

    def replace(self, key: str, body: bytes, token: str) -> str | None:
        with self._locked():
            current = self._read(key)
            return self._write(key, body) if current is not None and current[1] == token else None

    def delete(self, key: str, token: str) -> bool:
        with self._locked():
            current = self._read(key)
            if current is None or current[1] != token:
                return False
            os.unlink(self._path(key))
            return True


class _S3Store:
    """Compare-and-swap on S3 with conditional requests (If-None-Match / If-Match on the ETag)."""

    def __init__(self, lake: Lake) -> None:
        import boto3

        bucket, _, prefix = lake.root.partition("/")
        self.bucket = bucket
        self.prefix = "/".join(p for p in (prefix, LEASES_DIR) if p)
        # Credentials from the standard AWS_* environment (or the instance role), as the lake's pyarrow filesystem.
        self.client = boto3.client("s3", endpoint_url=lake.s3_endpoint_url, region_name=lake.s3_region)

    def _object(self, key: str) -> str:
        return f"{self.prefix}/{key}"

    def read(self, key: str) -> tuple[bytes, str] | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except self.client.exceptions.NoSuchKey:
            return None
        except Exception as error:  # botocore's ClientError / connection errors
            raise LeaseError(f"reading the lease s3://{self.bucket}/{self._object(key)} failed: {error}") from error
        return answer["Body"].read(), answer["ETag"]

    def create(self, key: str, body: bytes) -> str | None:
        return self._put(key, body, IfNoneMatch="*")

    def replace(self, key: str, body: bytes, token: str) -> str | None:
        return self._put(key, body, IfMatch=token)

    def _put(self, key: str, body: bytes, **condition: str) -> str | None:
        try:
            answer = self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=body,
                                            ContentType="application/json", **condition)
        except Exception as error:
            if _lost_condition(error):
                return None
            raise LeaseError(f"writing the lease s3://{self.bucket}/{self._object(key)} failed: {error}") from error
        return answer["ETag"]

    def delete(self, key: str, token: str) -> bool:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key), IfMatch=token)
        except Exception as error:
            if _lost_condition(error):
                return False
            raise LeaseError(f"releasing the lease s3://{self.bucket}/{self._object(key)} failed: {error}") from error
        return True


def _lost_condition(error: Exception) -> bool:
    """412 Precondition Failed, 409 ConditionalRequestConflict (a concurrent conditional write), 404 (gone)."""
    response = getattr(error, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404"} or status in {409, 412}
