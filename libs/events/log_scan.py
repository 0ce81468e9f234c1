"""Reads a large query in chunks, the next chunk on its way while the caller works on this one.

PostgreSQL runs the query and sends rows in its own process while Python decodes the
chunk before, so a replay overlaps its database I/O with its decoding.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg


async def scan(
    conn: asyncpg.Connection, query: str, *args: Any, chunk: int = 20_000
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
