"""Outbox backlog, running jobs and overdue purges, read from a real PostgreSQL."""

from collections.abc import AsyncIterator

import pytest

from libs.events.pipeline_gauges import QUERY, refresh_pipeline_gauges
from libs.events.postgres_store import PostgresEventStore
from libs.observability.metrics import ACTIVE_JOBS, OUTBOX_BACKLOG, PURGE_OVERDUE_JOBS
from tests.support.builders import new_job


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    s = await PostgresEventStore.connect(database_url)
    yield s
    await s.close()


def value(g: object) -> float:
    return float(g._value.get())  # type: ignore[attr-defined]


async def test_gauges_count_unpublished_events_and_running_jobs(
    store: PostgresEventStore,
) -> None:
    await refresh_pipeline_gauges(store.pool)
    assert value(OUTBOX_BACKLOG) == 0 and value(ACTIVE_JOBS) == 0
    # Appended and never published: the events wait in the outbox, the jobs are running.
    await store.append([new_job(), new_job()])
    await refresh_pipeline_gauges(store.pool)
    assert value(OUTBOX_BACKLOG) == 2
    assert value(ACTIVE_JOBS) == 2
    assert value(PURGE_OVERDUE_JOBS) == 0
    async with store.outbox.claim(older_than_s=0) as events:
        assert len(events) == 2
    await refresh_pipeline_gauges(store.pool)
    assert value(OUTBOX_BACKLOG) == 0


async def test_the_gauges_never_scan_the_jobs_or_the_outbox(store: PostgresEventStore) -> None:
    async with store.pool.acquire() as conn, conn.transaction():
        # With sequential scans priced out, a plan that still has one has no index to use.
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {QUERY}")
    assert '"Seq Scan"' not in plan, plan
