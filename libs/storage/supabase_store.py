"""Supabase Storage as the blob store: one private bucket, through storage3's async client.

Atomicity comes from Storage itself: every upload is written as a new version of the object
and the object's row is pointed at it in one database transaction only once the whole body
is stored (an aborted upload's version is deleted), so a reader sees the old object or the
new one, never part of one. Puts therefore upload straight to the key with `x-upsert: true`.
"""

import asyncio
import builtins
import contextlib
import hashlib
import os
import stat
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
from storage3 import AsyncStorageClient
from storage3.exceptions import StorageApiError
from yarl import URL

from libs.events.catalogue import BlobRef
from libs.events.outage import Outage
from libs.storage.blob_store import BlobStore, HttpMethod, SignedUrl, StoredObject
from libs.storage.scratch import scratch_files
from libs.storage.valid_keys import check_key, check_prefix

CHUNK = 1 << 20
# list-v2 answers at most this many objects a page.
PAGE = 1000
# Waits between retries of a call that met an outage: from this, doubling, up to the cap.
RETRY_FIRST_S = 0.2
RETRY_MAX_S = 5.0
_OPEN = os.O_RDONLY | os.O_CLOEXEC
T = TypeVar("T")


class StorageUnavailable(Outage):
    """Storage could not be reached, timed out, or answered 5xx/429: retry later."""


class StorageRefused(RuntimeError):
    """Storage refused the request (a missing bucket, a wrong service key, a size limit)."""


class SupabaseBlobStore(BlobStore):
    """Objects in `bucket` of the Supabase project at `url`, with the service-role key.

    The key authenticates this process only: signed URLs carry Storage's own scoped tokens.
    One instance (one HTTP connection pool) per process; `close` it on shutdown. A call that
    meets an outage is retried for up to `retry_for_s` (a blip costs a stage no delivery, and
    its handler no second vendor call); a longer one raises `StorageUnavailable`.
    """

    serves_local_files = False

    def __init__(
        self,
        url: str,
        service_key: str,
        bucket: str,
        *,
        timeout_s: float = 60.0,
        retry_for_s: float = 0.0,
    ) -> None:
        base = f"{url.rstrip('/')}/storage/v1/"
        # Supabase's API gateway wants the key as `apikey`; Storage reads the role from the JWT.
        headers = {"apikey": service_key, "Authorization": f"Bearer {service_key}"}
        self._http = httpx.AsyncClient(
            headers=headers, timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
        )
        self._client = AsyncStorageClient(base, headers, http_client=self._http)
        self._files = self._client.from_(bucket)
        self._base = URL(base)
        self.bucket = bucket
        self.retry_for_s = retry_for_s

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        # Every call retried is idempotent: reads, signing, an upsert of the same bytes, and a
        # delete (whose retry after a lost answer reports 0 bytes freed).
        deadline = time.monotonic() + self.retry_for_s
        delay = RETRY_FIRST_S
        while True:
            try:
                return await call()
            except StorageUnavailable:
                if time.monotonic() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_S)

    async def close(self) -> None:
        await self._http.aclose()

    def _object_url(self, key: str) -> str:
        return str(self._base.joinpath("object", self.bucket, *check_key(key).split("/")))

    async def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        check_key(key)
        # Opened before any request, so a missing source fails with nothing sent.
        opened = [await asyncio.to_thread(os.open, source, _OPEN)]
        if not stat.S_ISREG(os.fstat(opened[0]).st_mode):  # a pipe is read once: one try
            return await self._put_fd(key, opened.pop(), content_type)

        async def once() -> BlobRef:
            fd = opened.pop() if opened else await asyncio.to_thread(os.open, source, _OPEN)
            return await self._put_fd(key, fd, content_type)

        return await self._retrying(once)

    async def _put_fd(self, key: str, fd: int, content_type: str) -> BlobRef:
        """Stream the file open on `fd` (closed here) to `key`."""
        reader = _HashingReader(fd)
        headers = {}
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):  # a pipe's size is unknown: sent chunked
            headers["content-length"] = str(st.st_size)
        try:
            await self._upload(key, reader.chunks(), content_type, headers)
        finally:
            reader.close()
        return BlobRef(
            key=key, size=reader.size, sha256=reader.hexdigest(), content_type=content_type
        )

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        check_key(key)
        await self._retrying(lambda: self._upload(key, data, content_type, {}))
        sha256 = hashlib.sha256(data).hexdigest()
        return BlobRef(key=key, size=len(data), sha256=sha256, content_type=content_type)

    async def _upload(
        self,
        key: str,
        content: bytes | AsyncIterator[bytes],
        content_type: str,
        headers: dict[str, str],
    ) -> None:
        # A raw body (not multipart): Storage streams it to its backend as it arrives.
        with _translated(key):
            r = await self._http.post(
                self._object_url(key),
                content=content,
                headers={
                    **headers,
                    "content-type": content_type,
                    "cache-control": "no-cache",
                    "x-upsert": "true",
                },
            )
            _raise_for(r, key)

    async def read_bytes(self, key: str) -> bytes:
        check_key(key)

        async def once() -> bytes:
            with _translated(key):
                return await self._files.download(key)

        return await self._retrying(once)

    @contextlib.asynccontextmanager
    async def open_local(self, key: str) -> AsyncIterator[Path]:
        url = self._object_url(key)
        with scratch_files(key.rpartition("/")[2]) as [path]:

            async def once() -> None:
                with _translated(key):
                    async with self._http.stream("GET", url) as r:
                        if r.status_code != 200:
                            await r.aread()
                            _raise_for(r, key)
                        with path.open("wb") as out:  # a retry starts the copy over
                            async for chunk in r.aiter_bytes(CHUNK):
                                out.write(chunk)  # page-cache writes: cheaper than a thread hop

            await self._retrying(once)
            yield path

    async def delete(self, key: str) -> int:
        check_key(key)

        async def once() -> list[dict[str, Any]]:
            with _translated(key):
                return await self._files.remove([key])

        # Deleting by name answers the rows it removed, with their sizes: one request, and
        # a concurrent delete of the same object frees its bytes only once.
        removed = await self._retrying(once)
        return sum(_size(row) for row in removed if row.get("name") == key)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        check_prefix(prefix)
        return await self._retrying(lambda: self._list(prefix))

    async def _list(self, prefix: str) -> "builtins.list[StoredObject]":
        found: list[StoredObject] = []
        cursor: str | None = None
        with _translated(prefix):
            while True:
                options: Any = {"prefix": prefix, "limit": PAGE}
                if cursor:
                    options["cursor"] = cursor
                page = await self._files.list_v2(options)
                found += [
                    StoredObject(o.name, _size({"metadata": o.metadata}), o.updated_at)
                    for o in page.objects
                ]
                if not page.hasNext or not page.nextCursor:
                    break
                cursor = page.nextCursor
        return sorted(found, key=lambda o: o.key)

    async def signed_url(self, key: str, expires_in_s: int, method: HttpMethod = "GET") -> str:
        check_key(key)
        if expires_in_s <= 0:
            raise ValueError(f"expires_in_s must be positive, not {expires_in_s}")
        return await self._retrying(lambda: self._sign(key, expires_in_s, method))

    async def _sign(self, key: str, expires_in_s: int, method: HttpMethod) -> str:
        with _translated(key):
            if method == "GET":
                signed = await self._files.create_signed_url(key, expires_in_s)
                url = signed["signedURL"]
                if url is None:
                    raise KeyError(key)
                return url
            # Storage fixes an upload URL's lifetime itself (its UPLOAD_SIGNED_URL_EXPIRATION_TIME,
            # two hours on supabase.com; neither its API nor storage3 takes one): see
            # `signed_upload_url`. Without upsert the URL can create the object only once.
            upload = await self._files.create_signed_upload_url(key)
            return upload["signed_url"]

    async def signed_upload_url(self, key: str, expires_in_s: int) -> SignedUrl:
        """The upload URL with the expiry Storage gave it (its token's `exp`), which is not
        `expires_in_s`: Storage decides how long an upload URL lives."""
        url = await self.signed_url(key, expires_in_s, "PUT")
        return SignedUrl(url, _token_expiry(url))


class _HashingReader:
    """Reads a file in a worker thread chunk by chunk, hashing it; the descriptor is closed
    only once no read is in flight (a cancelled put must not close it under a read)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._digest = hashlib.sha256()
        self.size = 0
        self._pending: asyncio.Future[bytes] | None = None
        self._closed = False

    def _read(self) -> bytes:
        chunk = os.read(self._fd, CHUNK)
        self._digest.update(chunk)
        self.size += len(chunk)
        return chunk

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            self._pending = asyncio.ensure_future(asyncio.to_thread(self._read))
            chunk = await asyncio.shield(self._pending)
            self._pending = None
            if not chunk:
                return
            yield chunk

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        pending = self._pending
        if pending is not None and not pending.done():
            pending.add_done_callback(self._close_after)
        else:
            os.close(self._fd)

    def _close_after(self, read: "asyncio.Future[bytes]") -> None:
        if not read.cancelled():
            read.exception()  # retrieved: the put's own failure is what its caller hears
        os.close(self._fd)


def _token_expiry(url: str) -> float:
    """The `exp` of a signed URL's token: a JWT Storage signs with a key of its own, so it is
    read, not verified (Storage verifies it when the URL is used)."""
    token = parse_qs(urlsplit(url).query).get("token", [""])[0]
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])
    except (jwt.InvalidTokenError, KeyError, TypeError, ValueError):
        raise StorageRefused(
            "Supabase Storage signed an upload URL without a readable expiry"
        ) from None


def _size(row: dict[str, Any]) -> int:
    metadata = row.get("metadata") or {}
    size = metadata.get("size", 0)
    return int(size) if isinstance(size, int | str) else 0


@contextlib.contextmanager
def _translated(key: str) -> Iterator[None]:
    """Storage's failures as the port's: a missing object is `KeyError`, an outage is
    `StorageUnavailable` (which `is_outage` knows), any other refusal `StorageRefused`."""
    try:
        yield
    except StorageApiError as exc:
        raise _failure(exc.status, exc.code, exc.message, key) from exc
    except httpx.TransportError as exc:  # connect, read and write errors, timeouts
        raise StorageUnavailable(f"Supabase Storage unreachable: {type(exc).__name__}") from exc


def _raise_for(r: httpx.Response, key: str) -> None:
    if r.is_success:
        return
    try:
        body = r.json()
        status, error, message = body["statusCode"], body["error"], body["message"]
    except (ValueError, KeyError, TypeError):  # a proxy's page, not Storage's JSON
        status, error, message = r.status_code, "InternalError", f"HTTP {r.status_code}"
    if r.status_code >= 500:
        status = r.status_code
    raise _failure(status, str(error), str(message), key)


def _failure(status: int | str, error: str, message: str, key: str) -> Exception:
    # Storage answers most errors with HTTP 400 and the real status in the body.
    code = str(status)
    if code == "404" and error == "not_found":
        return KeyError(key)
    if code.startswith("5") or code == "429":
        return StorageUnavailable(f"Supabase Storage answered {code} ({error}): {message}")
    # No key in the message: a stage failure's reason is shown to the job's owner.
    return StorageRefused(f"Supabase Storage refused the request: {code} {error}: {message}")
