"""The log port on PostgreSQL: `job_events`, `handled`, and the batch that appends.

Every batch takes one advisory lock, `redub_append_lock()` (migration 0003), and assigns
positions as max + 1 under it, so positions commit in the order they were assigned (the
remedy for sequence gaps the `eventsourcing` library and Message DB use).
"""

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from libs.events.codec import EVENT_COLUMNS, event_from_row, events_document
from libs.events.commit import ConcurrencyError, HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.event_log import Precheck
from libs.events.job_view import JobView
from libs.events.view_rows import write_views

# One jsonb document for the whole batch, parsed by PostgreSQL; every event also enters
# the outbox in the same statement.
INSERT_EVENTS = f"""
WITH inserted AS (
    INSERT INTO job_events ({EVENT_COLUMNS})
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
        position bigint, event_id uuid, job_id uuid, seq int, type text, schema_version int,
        payload jsonb, causation_id uuid, correlation_id uuid, user_id uuid,
        occurred_at timestamptz, recorded_at timestamptz)
    RETURNING position
)
INSERT INTO outbox (position) SELECT position FROM inserted
"""


@dataclass(frozen=True, slots=True)
class PostgresBatch:
    """One open append transaction."""

    conn: asyncpg.Connection
    views: Mapping[UUID, JobView]
    claimed: frozenset[HandledKey]
    last_position: int

    async def write(self, records: Sequence[RecordedEvent], views: Sequence[JobView]) -> None:
        """Insert the events (and their outbox rows), then upsert the views."""
        if records:
            try:
                await self.conn.execute(INSERT_EVENTS, events_document(records))
            except asyncpg.UniqueViolationError as exc:
                # Two writers opened the same new stream at once (no row to lock yet).
                if exc.constraint_name != "job_events_stream_seq":
                    raise
                raise ConcurrencyError(f"a concurrent append won: {exc}") from exc
        await write_views(self.conn, views)


class PostgresLog:
    """`job_events` and `handled` through an asyncpg pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @asynccontextmanager
    async def batch(
        self, job_ids: Collection[UUID], keys: Collection[HandledKey]
    ) -> AsyncIterator[PostgresBatch]:
        async with self.pool.acquire() as conn, conn.transaction():
            # Keys first, then job rows, then the append lock: every writer takes them in
            # this order, so none waits for a lock held by one waiting for its own.
            claimed = await _claim(conn, keys)
            rows = await conn.fetch(
                "SELECT view::text FROM jobs WHERE job_id = ANY($1::uuid[])"
                " ORDER BY job_id FOR UPDATE",
                list(job_ids),
            )
            views = {v.job_id: v for v in (JobView.model_validate_json(r[0]) for r in rows)}
            top = await conn.fetchval("SELECT redub_append_lock()")
            yield PostgresBatch(conn, views, claimed, top)

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        rows = await self.pool.fetch(
            "SELECT NULL AS consumer, e.event_id::text AS key, EXISTS (SELECT 1 FROM job_events c"
            " WHERE c.job_id = e.job_id AND c.type = 'job.cancelled') AS cancelled"
            " FROM job_events e WHERE e.event_id = ANY($1::uuid[])"
            " UNION ALL SELECT consumer, key, false FROM handled WHERE (consumer, key) IN"
            " (SELECT * FROM unnest($2::text[], $3::text[]))",
            list(event_ids),
            [k.consumer for k in keys],
            [k.key for k in keys],
        )
        return Precheck(
            committed=frozenset(UUID(r["key"]) for r in rows if r["consumer"] is None),
            cancelled=frozenset(UUID(r["key"]) for r in rows if r["cancelled"]),
            handled=frozenset(
                HandledKey(r["consumer"], r["key"]) for r in rows if r["consumer"] is not None
            ),
        )

    async def forget_handled(self, before: datetime) -> int:
        gone: int = await self.pool.fetchval(
            "WITH gone AS (DELETE FROM handled WHERE handled_at < $1 RETURNING 1)"
            " SELECT count(*) FROM gone",
            before,
        )
        return gone

    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            f"SELECT {EVENT_COLUMNS} FROM job_events WHERE job_id = $1 ORDER BY seq", job_id
        )
        return [event_from_row(r) for r in rows]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            f"SELECT {EVENT_COLUMNS} FROM job_events WHERE position > $1"
            " ORDER BY position LIMIT $2",
            after,
            limit,
        )
        return [event_from_row(r) for r in rows]


async def _claim(conn: asyncpg.Connection, keys: Collection[HandledKey]) -> frozenset[HandledKey]:
    """Insert the handled markers; a marker already there is not claimed."""
    if not keys:
        return frozenset()
    # Sorted, so two batches claiming overlapping keys lock them in the same order and
    # cannot deadlock.
    ordered = sorted(keys, key=lambda k: (k.consumer, k.key))
    rows = await conn.fetch(
        "INSERT INTO handled (consumer, key) SELECT * FROM unnest($1::text[], $2::text[])"
        " ON CONFLICT DO NOTHING RETURNING consumer, key",
        [k.consumer for k in ordered],
        [k.key for k in ordered],
    )
    return frozenset(HandledKey(r["consumer"], r["key"]) for r in rows)
