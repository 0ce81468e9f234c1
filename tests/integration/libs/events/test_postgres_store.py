"""The store contract on PostgreSQL, plus what only the database itself can guarantee.

The store connects as the services do, a LOGIN member of `redub_app`: the contract passing
shows that role's grants are enough; the tables' owner only damages and rebuilds views.
"""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from libs.events.postgres_store import PostgresEventStore
from libs.schema.app_role import DEV_APP_PASSWORD, DEV_APP_USER, ensure_app_login
from tests.support.builders import new_job
from tests.support.store_contract import StoreContract


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    app_url = ensure_app_login(database_url, DEV_APP_USER, DEV_APP_PASSWORD)
    s = await PostgresEventStore.connect(app_url, max_size=8)
    yield s
    await s.close()


@pytest.fixture
async def owner(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


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
async def test_database_refuses_to_edit_history_even_to_its_owner(
    store: PostgresEventStore, owner: asyncpg.Pool, statement: str
) -> None:
    await store.append([new_job()])
    with pytest.raises(asyncpg.RestrictViolationError, match="append-only"):
        await owner.execute(statement)
    assert await owner.fetchval("SELECT count(*) FROM job_events") == 1


async def test_reader_polling_by_position_never_skips(store: PostgresEventStore) -> None:
    # Many writers at once; a reader that polls "position > last seen" must see every event.
    import asyncio

    seen: list[int] = []
    done = asyncio.Event()

    async def reader() -> None:
        last = 0
        while True:
            # Read `done` before the query: an empty answer then proves nothing is left (a
            # query begun before the last commit could miss it and still end the loop).
            finished = done.is_set()
            batch = await store.read_all(after=last, limit=50)
            for e in batch:
                seen.append(e.position)
                last = e.position
            if finished and not batch:
                return
            await asyncio.sleep(0)

    task = asyncio.create_task(reader())
    await asyncio.gather(*(store.append([new_job()]) for _ in range(200)))
    done.set()
    await task
    assert seen == list(range(1, 201))


async def test_rebuild_restores_views_exactly(
    store: PostgresEventStore, owner: asyncpg.Pool
) -> None:
    from libs.events.rebuild import rebuild_views
    from tests.support.builders import dub, speech, step, transcript, translation

    for _ in range(5):
        job = new_job(("fr",))
        await store.append([job, step(job.job_id, transcript(("fr",)))])
        await store.append(
            [
                step(job.job_id, translation("fr")),
                step(job.job_id, speech("fr")),
                step(job.job_id, dub("fr")),
            ]
        )
    # Every column as written, and the view's values key for key (as jsonb: its text may
    # order an object's keys otherwise, a rebuild writing payload objects as the log gives them).
    query = "SELECT *, view::jsonb AS view_values FROM jobs ORDER BY job_id"

    def rows(records: list[asyncpg.Record]) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if k != "view"} for r in records]

    live = rows(await owner.fetch(query))
    # Damage the views (they are derived data; only job_events is protected).
    await owner.execute(
        "UPDATE jobs SET status = 'submitted', purge_due_at = now(), voice_key = 'k',"
        " purged_at = now(), view = '{}'"
    )
    await owner.execute(
        "DELETE FROM jobs WHERE job_id = (SELECT job_id FROM jobs ORDER BY job_id LIMIT 1)"
    )
    result = await rebuild_views(owner)
    assert (result.events, result.jobs) == (30, 5)
    async with store.pool.acquire() as conn:
        # A fresh connection, as the services' role: the swapped-in table is a new relation
        # and keeps the grants of the one it replaced.
        assert rows(await conn.fetch(query)) == live
    # Appends keep working against the swapped-in table, whose indexes keep their names.
    await store.append([new_job()])
    names = {
        r[0] for r in await owner.fetch("SELECT indexname FROM pg_indexes WHERE tablename = 'jobs'")
    }
    assert names == {
        "jobs_pkey",
        "jobs_user_idx",
        "jobs_purge_due_idx",
        "jobs_active_idx",
        "jobs_voice_key_idx",  # the janitor's "who else names this stem?" (0012, 0016)
        "jobs_background_key_idx",
    }
    options = await owner.fetchval("SELECT reloptions FROM pg_class WHERE oid = 'jobs'::regclass")
    assert options == ["toast_tuple_target=8160"], "storage parameters survive the swap"
    result = await rebuild_views(owner)
    assert result.jobs == 6, "a second rebuild works on the renamed tables too"


async def test_rebuild_while_writers_append_loses_nothing(
    store: PostgresEventStore, owner: asyncpg.Pool
) -> None:
    import asyncio

    from libs.events.rebuild import rebuild_views

    commits = [new_job() for _ in range(60)]
    await store.append(commits[:20])

    async def writer() -> None:
        for c in commits[20:]:
            await store.append([c])

    result, _ = await asyncio.gather(rebuild_views(owner), writer())
    assert result.jobs >= 20
    # The jobs it reports are those of the events it folded, caught-up ones included.
    folded = await owner.fetchval(
        "SELECT count(DISTINCT job_id) FROM job_events WHERE position <= $1", result.events
    )
    assert result.jobs == folded
    ids = {r[0] for r in await store.pool.fetch("SELECT job_id FROM jobs")}
    assert ids == {c.job_id for c in commits}
