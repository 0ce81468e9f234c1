"""Opens the store and the bus a process needs, from settings."""

from dataclasses import dataclass

import httpx

from libs.config.settings import Settings
from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_store import PostgresEventStore
from libs.storage.blob_store import BlobStore
from libs.storage.local_store import LocalBlobStore
from libs.storage.signed_fetch_store import SignedFetchBlobStore
from libs.storage.supabase_store import SupabaseBlobStore
from redub.runtime.vendors import VendorSessions


class NotConfigured(RuntimeError):
    """A required URL (or key) is missing from the environment."""


@dataclass(slots=True)
class Connections:
    """The event store, the bus and the blob store of one process."""

    store: PostgresEventStore
    bus: JetStreamBus
    blobs: BlobStore
    # Vendor HTTP clients, opened on first use and closed with the rest.
    vendors: VendorSessions

    async def close(self) -> None:
        """Close the vendors' clients, drain the bus, then close the pool and the blob store's
        connections."""
        try:
            await self.vendors.close()
            await self.bus.close()
            await self.store.close()
        finally:
            await self.blobs.close()


async def connect(
    settings: Settings, pool_size: int = 10, provision: bool = True, *, stage: bool = False
) -> Connections:
    """Connect to Postgres and NATS and (unless told not to) make sure the stream exists; a
    `stage` process reads blobs as REDUB_BLOB_ACCESS says."""
    if not settings.database_url or not settings.nats_url:
        raise NotConfigured("set DATABASE_URL and NATS_URL (or run `redub dev`)")
    blobs = blob_store(settings)  # checked before anything is opened
    if stage:
        blobs = stage_blob_store(settings, blobs)
    store = await PostgresEventStore.connect(settings.database_url, max_size=pool_size)
    bus = await JetStreamBus.connect(
        settings.nats_servers,
        settings.stream_name,
        settings.subject_prefix,
        duplicate_window_s=settings.duplicate_window_s,
        replicas=settings.stream_replicas,
    )
    if provision:
        await bus.provision()
    return Connections(store, bus, blobs, VendorSessions(settings))


def blob_store(settings: Settings) -> BlobStore:
    """The blob store REDUB_STORAGE_BACKEND names: Supabase Storage, or the local folder."""
    if settings.storage_backend != "supabase":
        return local_blob_store(settings)
    key = settings.supabase_service_role_key
    if not settings.supabase_url or key is None or not key.get_secret_value():
        raise NotConfigured(
            "REDUB_STORAGE_BACKEND=supabase needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"
        )
    return SupabaseBlobStore(
        settings.supabase_url,
        key.get_secret_value(),
        settings.supabase_bucket,
        timeout_s=settings.supabase_timeout_s,
        retry_for_s=settings.supabase_retry_s,
    )


def stage_blob_store(settings: Settings, blobs: BlobStore) -> BlobStore:
    """`blobs` as a stage reads it: itself, or through its signed URLs (REDUB_BLOB_ACCESS)."""
    if settings.blob_access != "signed":
        return blobs
    client = httpx.AsyncClient(timeout=settings.blob_fetch_timeout_s, follow_redirects=True)
    return SignedFetchBlobStore(
        blobs,
        client,
        limit=settings.blob_fetch_max_bytes,
        url_ttl_s=settings.blob_fetch_url_ttl_s,
    )


def local_blob_store(settings: Settings) -> LocalBlobStore:
    """The embedded blob store the settings describe."""
    return LocalBlobStore(
        settings.blob_root,
        secret=settings.blob_url_secret.encode() if settings.blob_url_secret else None,
        base_url=settings.blob_base_url,
    )
