"""The event store on PostgreSQL (asyncpg)."""

import itertools
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from libs.events.commit import Commit, ConcurrencyError, HandledKey, plan_commits
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.job_view import JobView
from libs.events.postgres_rows import EVENT_COLUMNS, INSERT_EVENTS, events_document, row_to_event
from libs.events.store import EventStore
from libs.events.view_changes import changes_of
from libs.events.view_rows import write_views
from libs.observability.metrics import EVENTS_APPENDED

# Every append takes one advisory lock, `redub_append_lock()` (migration 0003), and assigns
# positions as max + 1 under it, so positions commit in the order they were assigned (the
# remedy for sequence gaps the `eventsourcing` library and Message DB use).


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset without a round trip: the store keeps no session state (no LISTEN, session
    locks or SETs), and asyncpg still rolls back a transaction left open before calling this."""


class PostgresEventStore(EventStore):
    """`job_events` with inline views, an outbox table and a `handled` table."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str, min_size: int = 1, max_size: int = 10) -> "PostgresEventStore":
        """Open a pool against `dsn`."""
        pool = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size, reset=_keep_session
        )
        return cls(pool)

    async def close(self) -> None:
        await self.pool.close()

    async def append(self, commits: Sequence[Commit]) -> list[list[RecordedEvent] | None]:
        if not commits:
            return []
        async with self.pool.acquire() as conn, conn.transaction():
            duplicate = await self._claim(conn, commits)
            # Row locks on the jobs (in id order) keep each job's view consistent without
            # the global lock; the global lock then only covers assigning positions.
            rows = await conn.fetch(
                "SELECT view::text FROM jobs WHERE job_id = ANY($1::uuid[])"
                " ORDER BY job_id FOR UPDATE",
                list({c.job_id for c in commits}),
            )
            views = {v.job_id: v for v in (JobView.model_validate_json(r[0]) for r in rows)}
            top = await conn.fetchval("SELECT redub_append_lock()")
            plan = plan_commits(commits, views, duplicate, itertools.count(top + 1), utcnow())
            if plan.records:
                try:
                    await conn.execute(INSERT_EVENTS, events_document(plan.records))
                except asyncpg.UniqueViolationError as exc:
                    # Two writers opened the same new stream at once (no row to lock yet).
                    if exc.constraint_name != "job_events_stream_seq":
                        raise
                    raise ConcurrencyError(f"a concurrent append won: {exc}") from exc
                changes = changes_of(plan.records)
                await write_views(conn, [plan.views[j] for j in changes], changes=changes)
        for e in plan.records:
            EVENTS_APPENDED.labels(e.type).inc()
        return plan.per_commit

    async def _claim(self, conn: asyncpg.Connection, commits: Sequence[Commit]) -> list[bool]:
        """Insert the commits' handled markers; a marker already there makes a duplicate."""
        # Sorted, so two batches claiming overlapping keys lock them in the same order
        # and cannot deadlock.
        keys = sorted({c.handled for c in commits if c.handled}, key=lambda k: (k.consumer, k.key))
        claimed: set[HandledKey] = set()
        if keys:
            rows = await conn.fetch(
                "INSERT INTO handled (consumer, key) SELECT * FROM unnest($1::text[], $2::text[])"
                " ON CONFLICT DO NOTHING RETURNING consumer, key",
                [k.consumer for k in keys],
                [k.key for k in keys],
            )
            claimed = {HandledKey(r["consumer"], r["key"]) for r in rows}
        duplicate: list[bool] = []
        for c in commits:
            # A key claimed once covers one commit; a second commit with it is a duplicate.
            duplicate.append(c.handled is not None and c.handled not in claimed)
            if c.handled is not None:
                claimed.discard(c.handled)
        return duplicate

    async def handled(self, keys: Sequence[HandledKey]) -> set[HandledKey]:
        if not keys:
            return set()
        rows = await self.pool.fetch(
            "SELECT consumer, key FROM handled WHERE (consumer, key) IN"
            " (SELECT * FROM unnest($1::text[], $2::text[]))",
            [k.consumer for k in keys],
            [k.key for k in keys],
        )
        return {HandledKey(r["consumer"], r["key"]) for r in rows}

    async def committed(self, event_ids: Sequence[UUID]) -> set[UUID]:
        if not event_ids:
            return set()
        rows = await self.pool.fetch(
            "SELECT event_id FROM job_events WHERE event_id = ANY($1::uuid[])", list(event_ids)
        )
        return {r[0] for r in rows}

    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            f"SELECT {EVENT_COLUMNS} FROM job_events WHERE job_id = $1 ORDER BY seq", job_id
        )
        return [row_to_event(r) for r in rows]

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            f"SELECT {EVENT_COLUMNS} FROM job_events WHERE position > $1"
            " ORDER BY position LIMIT $2",
            after,
            limit,
        )
        return [row_to_event(r) for r in rows]

    async def load_view(self, job_id: UUID) -> JobView | None:
        raw = await self.pool.fetchval("SELECT view::text FROM jobs WHERE job_id = $1", job_id)
        return JobView.model_validate_json(raw) if raw else None

    async def load_views(self, job_ids: Sequence[UUID]) -> dict[UUID, JobView]:
        if not job_ids:
            return {}
        rows = await self.pool.fetch(
            "SELECT view::text FROM jobs WHERE job_id = ANY($1::uuid[])", list(set(job_ids))
        )
        views = (JobView.model_validate_json(r[0]) for r in rows)
        return {v.job_id: v for v in views}

    async def jobs_past_retention(self, now: datetime, limit: int = 1000) -> list[JobView]:
        # The retention test is in SQL, before the LIMIT: jobs with a longer retention
        # never crowd out those that are due.
        rows = await self.pool.fetch(
            "SELECT view::text FROM jobs WHERE status IN ('completed', 'failed')"
            " AND view->>'purged_at' IS NULL AND (view->>'deletion_requested_at' IS NULL"
            " OR (view->>'deletion_requested_at')::timestamptz + interval '1 hour' <= $1)"
            " AND completed_at + make_interval(secs => (view->>'retention_hours')::float8 * 3600)"
            " <= $1 ORDER BY completed_at LIMIT $2",
            now,
            limit,
        )
        return [JobView.model_validate_json(r[0]) for r in rows]

    async def unpublished(self, older_than_s: float, limit: int = 500) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            f"SELECT {', '.join('e.' + c.strip() for c in EVENT_COLUMNS.split(','))}"
            " FROM outbox o JOIN job_events e USING (position)"
            " WHERE o.created_at < now() - make_interval(secs => $1)"
            " ORDER BY o.position LIMIT $2",
            older_than_s,
            limit,
        )
        return [row_to_event(r) for r in rows]

    async def mark_published(self, positions: Sequence[int]) -> None:
        if positions:
            # Without waiting for the WAL flush: a delete lost in a crash only makes the
            # relay publish those events again, which the bus and consumers dedupe.
            await self.pool.execute(
                "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true)),"
                " deleted AS (DELETE FROM outbox WHERE position = ANY($1::bigint[]) RETURNING 1)"
                " SELECT (SELECT count(*) FROM relaxed), (SELECT count(*) FROM deleted)",
                list(positions),
            )
