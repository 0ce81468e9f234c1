"""The store contract on PostgreSQL, plus what only the database itself can guarantee."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from libs.events.postgres_store import PostgresEventStore
from tests.support.builders import new_job
from tests.support.store_contract import StoreContract


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    s = await PostgresEventStore.connect(database_url, max_size=8)
    yield s
    await s.close()


class TestPostgresStore(StoreContract):
    pass


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE job_events SET type = 'job.completed'",
        "DELETE FROM job_events",
        "TRUNCATE job_events CASCADE",
    ],
)
async def test_database_refuses_to_edit_history(store: PostgresEventStore, statement: str) -> None:
    await store.append([new_job()])
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await store.pool.execute(statement)
    assert await store.pool.fetchval("SELECT count(*) FROM job_events") == 1


async def test_reader_polling_by_position_never_skips(store: PostgresEventStore) -> None:
    # Many writers at once; a reader that polls "position > last seen" must see every event.
    import asyncio

    seen: list[int] = []
    done = asyncio.Event()

    async def reader() -> None:
        last = 0
        while True:
            batch = await store.read_all(after=last, limit=50)
            for e in batch:
                seen.append(e.position)
                last = e.position
            if done.is_set() and not batch:
                return
            await asyncio.sleep(0)

    task = asyncio.create_task(reader())
    await asyncio.gather(*(store.append([new_job()]) for _ in range(200)))
    done.set()
    await task
    assert seen == list(range(1, 201))
