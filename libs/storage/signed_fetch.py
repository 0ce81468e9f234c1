"""Fetching a blob through a signed URL into a scratch file, checked against its `BlobRef`."""

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from libs.events.catalogue import BlobRef
from libs.events.outage import Outage
from libs.events.stage import PermanentError
from libs.storage.scratch import scratch_files

CHUNK = 1 << 20


class BlobTooLarge(PermanentError):
    """The blob is larger than this process may fetch (REDUB_BLOB_FETCH_MAX_BYTES)."""


class BlobMismatch(PermanentError):
    """The bytes served differ from the committed blob's size or sha256 (altered or corrupt)."""


@asynccontextmanager
async def fetched(
    client: httpx.AsyncClient, url: str, key: str, *, limit: int, expected: BlobRef | None = None
) -> AsyncIterator[Path]:
    """A scratch file holding the object at `url`, removed on exit and on every failure.

    `KeyError` if the server says the object is gone; `Outage` if it cannot serve now;
    `BlobTooLarge` past `limit`; `BlobMismatch` when `expected`'s size or sha256 differ."""
    with scratch_files("fetched.blob") as [path]:
        await _download(client, url, key, path, limit, expected)
        yield path


async def _download(
    client: httpx.AsyncClient,
    url: str,
    key: str,
    path: Path,
    limit: int,
    expected: BlobRef | None,
) -> None:
    if expected is not None and expected.size > limit:
        raise _too_large(limit)
    # At most one byte past what is allowed is read: enough to tell "too long".
    ceiling = min(limit, expected.size) if expected is not None else limit
    digest = hashlib.sha256()
    size = 0
    try:
        async with client.stream("GET", url) as response:
            _check_status(response, key)
            declared = response.headers.get("content-length")
            encoded = "content-encoding" in response.headers  # then the length is not ours
            if declared and declared.isdigit() and not encoded and int(declared) > ceiling:
                raise _too_large(limit) if int(declared) > limit else _mismatch(key)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                async for chunk in response.aiter_bytes(CHUNK):
                    size += len(chunk)
                    if size > ceiling:
                        raise _too_large(limit) if size > limit else _mismatch(key)
                    digest.update(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
    except httpx.TransportError as exc:  # refused, reset, timed out, cut short
        raise Outage(f"fetching blob {key} failed: {type(exc).__name__}") from exc
    if expected is not None and (size != expected.size or digest.hexdigest() != expected.sha256):
        raise _mismatch(key)


def _check_status(response: httpx.Response, key: str) -> None:
    if response.status_code in (404, 410):
        raise KeyError(key)
    if response.status_code != 200:
        # A 5xx or 429 is the store's outage; a 403 means our signing secret or clock
        # disagrees with the server's: also ours to fix, never the job's fault.
        raise Outage(f"fetching blob {key} answered HTTP {response.status_code}")


def _too_large(limit: int) -> BlobTooLarge:
    return BlobTooLarge(f"an input is larger than the {limit}-byte limit of this stage")


def _mismatch(key: str) -> BlobMismatch:
    return BlobMismatch(f"the stored bytes of {key} differ from the committed size or sha256")
