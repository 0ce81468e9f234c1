"""The read clients poll, `GET /v1/jobs/{id}`, as one statement on a pool of its own."""

import asyncio
from uuid import UUID

import asyncpg

from libs.auth.tokens import Principal
from libs.events.job_view import JobView
from services.gateway.user_session import claims_of


async def _nothing_to_reset(conn: asyncpg.Connection) -> None:
    # Only `redub_private.job_view_as` runs on this pool; it restores the role and claims it
    # sets, in its own implicit transaction, and nothing else is set, listened to or locked here.
    # (asyncpg still rolls back a transaction left open before calling this.) Skipping the
    # default reset query saves a round trip and the server's work per request.
    return None


class CallerReads:
    """One job's view as its caller sees it (migration 0015): one round trip, no reset."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        # Requests take connections in the order they came. asyncpg's pool gives a released
        # connection to whichever request asks in the same turn of the loop, so a request
        # already waiting can lose its turn over and over under load: a tail many times the
        # median. asyncio's semaphore is first-come first-served.
        self._turns = asyncio.Semaphore(pool.get_max_size())

    @classmethod
    async def connect(cls, dsn: str, size: int = 10) -> "CallerReads":
        """A pool of `size` connections to `dsn` (the services' login)."""
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=size, reset=_nothing_to_reset)
        return cls(pool)

    async def job_view(self, caller: Principal, job_id: UUID) -> JobView | None:
        """The job's view if it is `caller`'s, else None (row-level security decides)."""
        async with self._turns:
            raw = await self._pool.fetchval(
                "SELECT redub_private.job_view_as($1, $2)", claims_of(caller), job_id
            )
        return JobView.model_validate_json(raw) if raw else None

    async def close(self) -> None:
        """Close the pool."""
        await self._pool.close()
