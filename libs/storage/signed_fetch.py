"""Fetching a blob through a signed URL into a scratch file, checked against its `BlobRef`."""

import hashlib
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import structlog

from libs.events.catalogue import BlobRef
from libs.events.outage import Outage
from libs.events.stage import PermanentError
from libs.storage.scratch import scratch_files

CHUNK = 1 << 20
# An error answer is read up to this much, for Supabase Storage's status in its JSON body.
ERROR_BODY_MAX = 4096
log = structlog.get_logger()


class BlobTooLarge(PermanentError):
    """The blob is larger than this process may fetch (REDUB_BLOB_FETCH_MAX_BYTES)."""


class BlobMismatch(PermanentError):
    """The bytes served differ from the committed blob's size or sha256 (altered or corrupt)."""


class SignedUrlRefused(PermanentError):
    """The store refused our own signed URL (a 401, a 403, a bad or expired signature): the
    signing secret or a clock is misconfigured. Retrying cannot fix it, so it is no outage:
    the work fails at once, saying so, instead of waiting forever."""


@asynccontextmanager
async def fetched(
    client: httpx.AsyncClient, url: str, key: str, *, limit: int, expected: BlobRef | None = None
) -> AsyncIterator[Path]:
    """A scratch file holding the object at `url`, removed on exit and on every failure.

    `KeyError` if the server says the object is gone; `Outage` if it cannot serve now;
    `SignedUrlRefused` if it refuses the URL; `BlobTooLarge` past `limit`; `BlobMismatch`
    when `expected`'s size or sha256 differ."""
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
            await _check_status(response, key)
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


async def _check_status(response: httpx.Response, key: str) -> None:
    if response.status_code == 200:
        return
    status, error = await _status_of(response)
    if status in ("404", "410") or error == "not_found":
        raise KeyError(key)
    if status.startswith("5") or status in ("408", "429"):
        raise Outage(f"fetching blob {key} answered HTTP {status}")
    # Anything else refuses the URL itself (401, 403, Supabase's InvalidJWT, InvalidSignature
    # or ExpiredToken): ours to fix, and the same on every try. No key in the reason: it is
    # shown to the job's owner.
    detail = f"HTTP {status}" + (f" {error}" if error else "")
    log.error(
        "the blob store refused our signed URL: check that REDUB_BLOB_URL_SECRET (or the"
        " Supabase keys) and the clocks of this stage and of the store agree",
        status=status,
        error=error or None,
        key=key,
    )
    raise SignedUrlRefused(
        f"the blob store refused this stage's signed URL ({detail}): its signing secret or"
        " clock is misconfigured"
    )


async def _status_of(response: httpx.Response) -> tuple[str, str]:
    """The status an error answer means, and its error code: Supabase Storage answers most
    errors with HTTP 400 and the real status in a JSON body."""
    status, error = str(response.status_code), ""
    if response.status_code != 400:
        return status, error
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= ERROR_BODY_MAX:
            break
    try:
        doc = json.loads(body)
        status, error = str(doc.get("statusCode") or status), str(doc.get("error") or "")
    except (ValueError, AttributeError):  # a proxy's page, not Storage's JSON
        pass
    return status, error


def _too_large(limit: int) -> BlobTooLarge:
    return BlobTooLarge(f"an input is larger than the {limit}-byte limit of this stage")


def _mismatch(key: str) -> BlobMismatch:
    return BlobMismatch(f"the stored bytes of {key} differ from the committed size or sha256")
