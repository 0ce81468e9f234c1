"""The outbox port on PostgreSQL: the `outbox` table, one row per unconfirmed event."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from libs.events.codec import ENVELOPE_FIELDS, event_from_row
from libs.events.envelope import RecordedEvent

# Rows a claim holds stay locked until it ends: a second relay skips them rather than
# waiting and publishing them again.
CLAIM = f"""
SELECT {", ".join("e." + f for f in ENVELOPE_FIELDS)}
FROM outbox o JOIN job_events e USING (position)
WHERE o.created_at < now() - make_interval(secs => $1)
ORDER BY o.position LIMIT $2
FOR UPDATE OF o SKIP LOCKED
"""


class PostgresOutbox:
    """Claims lock outbox rows for one transaction, which deletes them once published."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @asynccontextmanager
    async def claim(
        self, older_than_s: float, limit: int = 500
    ) -> AsyncIterator[list[RecordedEvent]]:
        async with self.pool.acquire() as conn, conn.transaction():
            events = [event_from_row(r) for r in await conn.fetch(CLAIM, older_than_s, limit)]
            yield events
            if events:
                await _delete(conn, [e.position for e in events])

    async def mark_published(self, positions: Sequence[int]) -> None:
        if positions:
            await _delete(self.pool, positions)


async def _delete(db: asyncpg.Pool | asyncpg.Connection, positions: Sequence[int]) -> None:
    # Without waiting for the WAL flush: a delete lost in a crash only makes the relay
    # publish those events again, which the bus and consumers dedupe. One statement, so
    # outside a transaction it is its own (and `set_config(..., true)` lasts just that).
    await db.execute(
        "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),"
        " deleted AS (DELETE FROM outbox WHERE position = ANY($1::bigint[]) RETURNING 1)"
        " SELECT (SELECT count(*) FROM relaxed), (SELECT count(*) FROM deleted)",
        list(positions),
    )
