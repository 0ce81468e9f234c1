"""A JetStream bus of a test's own: its stream and advisories stream deleted afterwards."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from libs.events.jetstream_bus import JetStreamBus


@asynccontextmanager
async def provisioned_bus(nats_url: str, stream_prefix: str) -> AsyncIterator[JetStreamBus]:
    """A connected bus whose streams exist, on streams named for `stream_prefix`."""
    b = await JetStreamBus.connect(nats_url, stream_prefix.upper(), stream_prefix)
    await b.provision()
    yield b
    await b.js.delete_stream(b.stream)
    await b.js.delete_stream(f"{b.stream}_ADVISORIES")
    await b.nc.close()
