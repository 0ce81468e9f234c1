"""A pool's interface over one open connection, so the PostgreSQL adapters (written against
a pool) can run inside a caller's transaction: a request's row-level-security session."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg


class OneConnection:
    """`acquire()` yields the same connection; queries run on it (nested transactions are
    savepoints), so everything stays in the caller's transaction and role."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        yield self.conn

    async def execute(self, query: str, *args: Any) -> str:
        status: str = await self.conn.execute(query, *args)
        return status

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.conn.fetch(query, *args)
        return rows

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        return await self.conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self.conn.fetchval(query, *args)
