"""Reads a large query in chunks, the next chunk on its way while the caller works on this one.

PostgreSQL runs the query and sends rows in its own process while Python decodes the
chunk before, so a replay overlaps its database I/O with its decoding.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

# Rows a chunk: small enough that PostgreSQL can send the whole next chunk into the socket's
# buffer while this one is decoded (a larger chunk stalls it until Python reads again),
# large enough that the round trips do not count.
READ_CHUNK = 2_000


async def scan(
    conn: asyncpg.Connection, query: str, *args: Any, chunk: int = READ_CHUNK
) -> AsyncIterator[list[asyncpg.Record]]:
    """Rows of `query` (run inside a transaction, as cursors require) in lists of `chunk`."""
    cursor = await conn.cursor(query, *args)
    pending: asyncio.Future[list[asyncpg.Record]] = asyncio.ensure_future(cursor.fetch(chunk))
    try:
        while True:
            rows = await pending
            if not rows:
                return
            pending = asyncio.ensure_future(cursor.fetch(chunk))
            yield rows
    finally:
        if not pending.done():
            pending.cancel()
            try:
                await pending
            except (asyncio.CancelledError, asyncpg.PostgresError):
                pass
