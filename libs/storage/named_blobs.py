"""Reading blobs that a committed event names: once such a blob is gone (purged, deleted by
hand) it never comes back, so its absence fails the work at once instead of being retried."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from libs.events.catalogue import BlobRef
from libs.events.stage import PermanentError
from libs.storage.blob_store import BlobStore


def _missing(what: str) -> PermanentError:
    return PermanentError(f"the {what} this work needs is missing from storage (purged?)")


async def read_named(blobs: BlobStore, ref: BlobRef, what: str) -> bytes:
    """The content of the blob `ref` names; `PermanentError` when it is gone."""
    try:
        return await blobs.read_ref(ref)
    except KeyError as exc:
        raise _missing(what) from exc


@asynccontextmanager
async def open_named(blobs: BlobStore, ref: BlobRef, what: str) -> AsyncIterator[Path]:
    """A local copy of the blob `ref` names; `PermanentError` when it is gone."""
    async with AsyncExitStack() as stack:
        try:
            path = await stack.enter_async_context(blobs.open_ref(ref))
        except KeyError as exc:
            raise _missing(what) from exc
        yield path
