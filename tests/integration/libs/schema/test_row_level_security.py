"""Row-level security, checked by the database: a request running as one user sees and writes
only that user's rows, whatever the query, and leaves nothing behind on a pooled connection."""

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import pytest

from libs.auth.tokens import Principal
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.postgres_store import PostgresEventStore
from libs.schema.app_role import DEV_APP_PASSWORD, DEV_APP_USER, ensure_app_login
from services.gateway.caller_reads import CallerReads
from services.gateway.user_session import claims_of, user_session
from tests.support.builders import submitted

A, B = uuid4(), uuid4()


def caller(user: UUID) -> Principal:
    return Principal(user, "authenticated", {"sub": str(user), "aud": "authenticated"})


def job_of(user: UUID) -> Commit:
    job_id = uuid4()
    event = NewEvent(
        job_id=job_id, payload=submitted(user_id=user), correlation_id=job_id, user_id=user
    )
    return Commit(job_id, [event], expected_version=0)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The services' login (not the owner), one pooled connection, with a job and an upload
    of each of two users."""
    app_url = ensure_app_login(database_url, DEV_APP_USER, DEV_APP_PASSWORD)
    store = await PostgresEventStore.connect(app_url, max_size=1)
    await store.append([job_of(A), job_of(B)])
    for user in (A, B):
        await store.pool.execute(
            "INSERT INTO uploads (upload_id, user_id, key, size, sha256, content_type,"
            " duration_s) VALUES ($1, $2, 'k', 1, 'h', 'audio/wav', 1)",
            uuid4(),
            user,
        )
    yield store.pool
    await store.close()


async def test_a_query_without_a_filter_sees_only_the_callers_rows(pool: asyncpg.Pool) -> None:
    async with user_session(pool, caller(A)) as s:
        for table in ("jobs", "job_events", "uploads"):
            users = await s.db.fetch(f"SELECT DISTINCT user_id FROM {table}")
            assert [r[0] for r in users] == [A], table
        assert await s.db.fetchval("SELECT auth.uid()") == A
        assert await s.db.fetchval("SELECT auth.jwt() ->> 'aud'") == "authenticated"


async def test_another_users_rows_cannot_be_changed_or_written(pool: asyncpg.Pool) -> None:
    async with user_session(pool, caller(A)) as s:
        assert await s.db.execute("UPDATE jobs SET status = 'hijacked'") == "UPDATE 1"
        for statement in (
            "INSERT INTO uploads (upload_id, user_id, key, size, sha256, content_type,"
            f" duration_s) VALUES (gen_random_uuid(), '{B}', 'k', 1, 'h', 'audio/wav', 1)",
            "INSERT INTO handled (consumer, key) VALUES ('gateway', '" + str(B) + ":k')",
            "INSERT INTO handled (consumer, key) VALUES ('transcriber', 'anything')",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                async with s.db.conn.transaction():
                    await s.db.execute(statement)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with s.db.conn.transaction():
                await s.db.execute("SELECT * FROM outbox")
        # A's append of an event for B's stream is refused as a whole.
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await s.jobs.append([job_of(B)])
    statuses = {r[0]: r[1] for r in await pool.fetch("SELECT user_id, status FROM jobs")}
    assert statuses == {A: "hijacked", B: "submitted"}


async def test_a_user_appends_their_own_job_with_global_positions(pool: asyncpg.Pool) -> None:
    top = await pool.fetchval("SELECT max(position) FROM job_events")
    async with user_session(pool, caller(A)) as s:
        [recorded] = await s.jobs.append([job_of(A)])
    assert recorded is not None and recorded[0].position == top + 1


async def test_claims_never_leak_into_the_next_use_of_a_pooled_connection(
    pool: asyncpg.Pool,
) -> None:
    async with user_session(pool, caller(A)) as s:
        assert await s.db.fetchval("SELECT current_user") == "authenticated"
    with pytest.raises(RuntimeError):
        async with user_session(pool, caller(B)) as s:
            assert await s.db.fetchval("SELECT auth.uid()") == B
            raise RuntimeError("the request failed")
    # Same (only) connection, no session: the service's own role, no caller.
    row = await pool.fetchrow("SELECT current_user, auth.uid(), count(*) FROM jobs")
    assert tuple(row) == (DEV_APP_USER, None, 2)


async def test_authenticated_with_no_claims_sees_nothing(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL ROLE authenticated")
        assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
        assert await conn.fetchval("SELECT count(*) FROM job_events") == 0


async def test_the_one_statement_read_sees_only_the_callers_job_and_restores(
    pool: asyncpg.Pool,
) -> None:
    jobs = {r[1]: r[0] for r in await pool.fetch("SELECT job_id, user_id FROM jobs")}
    reads = CallerReads(pool)
    view = await reads.job_view(caller(A), jobs[A])
    assert view is not None and view.user_id == A
    assert await reads.job_view(caller(A), jobs[B]) is None
    async with pool.acquire() as conn:
        role, claims = await conn.fetchrow(
            "SELECT current_user, current_setting('request.jwt.claims', true)"
        )
        # Inside another transaction, the caller's role and claims end with the function.
        async with conn.transaction():
            assert await conn.fetchval(
                "SELECT redub_private.job_view_as($1, $2)", claims_of(caller(B)), jobs[B]
            )
            after = await conn.fetchrow(
                "SELECT current_user, current_setting('request.jwt.claims', true)"
            )
        assert tuple(after) == (role, claims)


async def test_a_signed_in_user_cannot_call_the_read_with_claims_of_their_choosing(
    pool: asyncpg.Pool,
) -> None:
    jobs = {r[1]: r[0] for r in await pool.fetch("SELECT job_id, user_id FROM jobs")}
    async with user_session(pool, caller(A)) as s:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await s.db.fetchval(
                "SELECT redub_private.job_view_as($1, $2)", claims_of(caller(B)), jobs[B]
            )
