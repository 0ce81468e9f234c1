"""A blob store whose reads go over the inner store's signed URLs (REDUB_BLOB_ACCESS=signed):
for stages that run away from the store's disk; writes and the rest go to the inner store."""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx

from libs.events.catalogue import BlobRef
from libs.observability.metrics import BLOB_FETCH_BYTES, BLOB_FETCHES
from libs.storage.blob_store import BlobStore, HttpMethod, SignedUrl, StoredObject
from libs.storage.signed_fetch import BlobMismatch, BlobTooLarge, SignedUrlRefused, fetched


class SignedFetchBlobStore(BlobStore):
    """`inner` for writes, listing and signing; reads fetch `inner`'s signed GET URLs with
    `client` (closed with the store), refusing more than `limit` bytes."""

    def __init__(
        self, inner: BlobStore, client: httpx.AsyncClient, *, limit: int, url_ttl_s: int = 600
    ) -> None:
        self.inner = inner
        self.client = client
        self.limit = limit
        self.url_ttl_s = url_ttl_s

    async def put_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        return await self.inner.put_file(key, source, content_type)

    async def move_file(self, key: str, source: Path, content_type: str) -> BlobRef:
        return await self.inner.move_file(key, source, content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobRef:
        return await self.inner.put_bytes(key, data, content_type)

    async def read_bytes(self, key: str) -> bytes:
        async with self._fetch(key, None) as path:
            return path.read_bytes()

    def open_local(self, key: str) -> AbstractAsyncContextManager[Path]:
        return self._fetch(key, None)

    def open_ref(self, ref: BlobRef) -> AbstractAsyncContextManager[Path]:
        return self._fetch(ref.key, ref)

    async def read_ref(self, ref: BlobRef) -> bytes:
        async with self._fetch(ref.key, ref) as path:
            return path.read_bytes()

    @asynccontextmanager
    async def _fetch(self, key: str, ref: BlobRef | None) -> AsyncIterator[Path]:
        url = await self.inner.signed_url(key, self.url_ttl_s, "GET")
        async with AsyncExitStack() as stack:
            try:
                path = await stack.enter_async_context(
                    fetched(self.client, url, key, limit=self.limit, expected=ref)
                )
            except Exception as exc:
                BLOB_FETCHES.labels(_outcome(exc)).inc()
                raise
            BLOB_FETCHES.labels("ok").inc()
            BLOB_FETCH_BYTES.inc(path.stat().st_size)
            yield path

    async def delete(self, key: str) -> int:
        return await self.inner.delete(key)

    async def list(self, prefix: str = "") -> list[StoredObject]:
        return await self.inner.list(prefix)

    async def signed_url(self, key: str, expires_in_s: int, method: HttpMethod = "GET") -> str:
        return await self.inner.signed_url(key, expires_in_s, method)

    async def signed_upload_url(self, key: str, expires_in_s: int) -> SignedUrl:
        return await self.inner.signed_upload_url(key, expires_in_s)

    async def close(self) -> None:
        try:
            await self.client.aclose()
        finally:
            await self.inner.close()


def _outcome(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return "missing"
    if isinstance(exc, BlobMismatch):
        return "mismatch"
    if isinstance(exc, BlobTooLarge):
        return "too_large"
    if isinstance(exc, SignedUrlRefused):
        return "refused"
    return "outage"
