"""The stem ledger on PostgreSQL: the `uploads` table and the job views in `jobs`.

PostgreSQL unreachable is told as `LedgerUnavailable` (an `Outage`), so the janitor's
runner holds the purge until the server is back instead of failing it."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

import asyncpg

from libs.events.outage import Outage, is_outage
from services.janitor.stem_ledger import Delete, StaleUpload

# Jobs not purged yet that name a stem (both key columns are indexed for unpurged jobs).
_NAMED_BY_LIVE_JOB = """
    EXISTS (SELECT 1 FROM jobs j WHERE j.purged_at IS NULL AND j.job_id <> {job}
            AND (j.voice_key = {key} OR j.background_key = {key}))
"""
_NAMED_BY_ANY_JOB = """
    EXISTS (SELECT 1 FROM jobs j WHERE j.voice_key = {key} OR j.background_key = {key})
"""


class LedgerUnavailable(Outage):
    """PostgreSQL did not answer the ledger's query (refused, reset, shutting down)."""


@contextmanager
def _outages_told() -> Iterator[None]:
    # Every error of these queries that `is_outage` knows is our server's, not the job's.
    try:
        yield
    except Outage:
        raise
    except Exception as exc:
        if is_outage(exc):
            raise LedgerUnavailable(f"PostgreSQL unreachable: {type(exc).__name__}") from exc
        raise


class PostgresStemLedger:
    """`StemLedger` over the gateway's `uploads` rows and the `jobs` views."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def needed_elsewhere(self, job_id: UUID, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        named = _NAMED_BY_LIVE_JOB.format(job="$1", key="k")
        with _outages_told():
            rows = await self.pool.fetch(
                f"SELECT k FROM unnest($2::text[]) AS k WHERE {named}", job_id, list(keys)
            )
        return {r["k"] for r in rows}

    async def release(self, job_id: UUID, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        named = _NAMED_BY_LIVE_JOB.format(job="$1", key="k")
        with _outages_told():
            async with self.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    f"SELECT k FROM unnest($2::text[]) AS k WHERE NOT {named}", job_id, list(keys)
                )
                free = [r["k"] for r in rows]
                await conn.execute(
                    "UPDATE uploads SET purged_at = now()"
                    " WHERE key = ANY($1) AND purged_at IS NULL",
                    free,
                )
        return set(free)

    async def stale(self, unused_before: datetime, limit: int = 500) -> list[StaleUpload]:
        return _stale(await self.pool.fetch(_STALE, unused_before, limit))

    async def purge_stale(
        self, unused_before: datetime, delete: Delete, limit: int = 500
    ) -> list[StaleUpload]:
        async with self.pool.acquire() as conn, conn.transaction():
            # Rows another janitor holds are skipped, not waited for: no upload is done twice.
            due = _stale(
                await conn.fetch(_STALE + " FOR UPDATE OF u SKIP LOCKED", unused_before, limit)
            )
            for upload in due:
                await delete(upload.key)  # a blob already missing deletes as 0 bytes
            await conn.execute(
                "UPDATE uploads SET purged_at = now() WHERE upload_id = ANY($1)",
                [u.upload_id for u in due],
            )
        return due


def _stale(rows: list[asyncpg.Record]) -> list[StaleUpload]:
    return [
        StaleUpload(r["upload_id"], r["key"], r["size"], r["created_at"], r["used"]) for r in rows
    ]


_LIVE = _NAMED_BY_LIVE_JOB.format(job="'00000000-0000-0000-0000-000000000000'", key="u.key")
_USED = _NAMED_BY_ANY_JOB.format(key="u.key")
_STALE = (
    f"SELECT u.upload_id, u.key, u.size, u.created_at, {_USED} AS used FROM uploads u"
    f" WHERE u.purged_at IS NULL AND NOT {_LIVE} AND (u.created_at < $1 OR {_USED})"
    " ORDER BY u.created_at LIMIT $2"
)
