"""Opens the store and the bus a process needs, from settings."""

from dataclasses import dataclass

from libs.config.settings import Settings
from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_store import PostgresEventStore
from libs.storage.local_store import LocalBlobStore
from redub.runtime.vendors import VendorSessions


class NotConfigured(RuntimeError):
    """A required URL is missing from the environment."""


@dataclass(slots=True)
class Connections:
    """The event store, the bus and the blob store of one process."""

    store: PostgresEventStore
    bus: JetStreamBus
    blobs: LocalBlobStore
    # Vendor HTTP clients, opened on first use and closed with the rest.
    vendors: VendorSessions

    async def close(self) -> None:
        """Close the vendors' clients, drain the bus, then close the pool."""
        await self.vendors.close()
        await self.bus.close()
        await self.store.close()


async def connect(settings: Settings, pool_size: int = 10) -> Connections:
    """Connect to Postgres and NATS and make sure the stream exists."""
    if not settings.database_url or not settings.nats_url:
        raise NotConfigured("set DATABASE_URL and NATS_URL (or run `redub dev`)")
    store = await PostgresEventStore.connect(settings.database_url, max_size=pool_size)
    bus = await JetStreamBus.connect(
        settings.nats_url,
        settings.stream_name,
        settings.subject_prefix,
        duplicate_window_s=settings.duplicate_window_s,
    )
    await bus.provision()
    return Connections(store, bus, local_blob_store(settings), VendorSessions(settings))


def local_blob_store(settings: Settings) -> LocalBlobStore:
    """The embedded blob store the settings describe."""
    return LocalBlobStore(
        settings.blob_root,
        secret=settings.blob_url_secret.encode(),
        base_url=settings.blob_base_url,
    )
