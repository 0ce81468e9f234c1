"""On a Supabase-like database (its API roles and default grants), the Data API's roles can
neither call the services' read-as-caller function nor touch Redub's tables beyond what the
gateway's requests use."""

import json
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest

from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.postgres_store import PostgresEventStore
from libs.schema.app_role import DEV_APP_PASSWORD, DEV_APP_USER, ensure_app_login, url_as
from tests.support.builders import submitted

VICTIM = uuid4()


@pytest.fixture
async def job(supabase_like_database_url: str) -> AsyncIterator[object]:
    """A job of the victim's, appended by the services."""
    app_url = ensure_app_login(supabase_like_database_url, DEV_APP_USER, DEV_APP_PASSWORD)
    store = await PostgresEventStore.connect(app_url, max_size=1)
    job_id = uuid4()
    event = NewEvent(
        job_id=job_id, payload=submitted(user_id=VICTIM), correlation_id=job_id, user_id=VICTIM
    )
    await store.append([Commit(job_id, [event], expected_version=0)])
    await store.close()
    yield job_id


@pytest.fixture
async def postgrest(supabase_like_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection as PostgREST's login, which becomes `anon` or `authenticated` per request."""
    url = url_as(supabase_like_database_url, "authenticator", "authenticator")
    conn = await asyncpg.connect(url)
    yield conn
    await conn.close()


async def as_api_role(conn: asyncpg.Connection, role: str) -> None:
    claims = json.dumps({"role": role, "sub": str(uuid4())})
    await conn.execute(
        "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
        role,
        claims,
    )


@pytest.mark.parametrize("role", ["anon", "authenticated"])
async def test_the_api_roles_cannot_read_a_job_as_someone_else(
    postgrest: asyncpg.Connection, job: object, role: str
) -> None:
    victim = json.dumps({"sub": str(VICTIM), "role": "authenticated"})
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with postgrest.transaction():
            await as_api_role(postgrest, role)
            await postgrest.fetchval("SELECT redub_private.job_view_as($1, $2)", victim, job)


async def test_the_function_itself_refuses_a_caller_that_is_not_a_service(
    supabase_like_database_url: str, postgrest: asyncpg.Connection, job: object
) -> None:
    # An operator who grants it by mistake still does not hand out other users' jobs.
    owner = await asyncpg.connect(supabase_like_database_url)
    await owner.execute(
        "GRANT USAGE ON SCHEMA redub_private TO anon;"
        " GRANT EXECUTE ON FUNCTION redub_private.job_view_as(text, uuid) TO anon"
    )
    await owner.close()
    victim = json.dumps({"sub": str(VICTIM), "role": "authenticated"})
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="only the services"):
        async with postgrest.transaction():
            await as_api_role(postgrest, "anon")
            await postgrest.fetchval("SELECT redub_private.job_view_as($1, $2)", victim, job)


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) FROM outbox",
        "DELETE FROM outbox",
        "SELECT count(*) FROM jobs",
        "SELECT count(*) FROM job_events",
        "SELECT count(*) FROM _yoyo_migration",
        "DELETE FROM download_links",
    ],
)
async def test_anon_has_nothing_on_redubs_tables(
    postgrest: asyncpg.Connection, job: object, statement: str
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with postgrest.transaction():
            await as_api_role(postgrest, "anon")
            await postgrest.execute(statement)


@pytest.mark.parametrize(
    "statement",
    ["SELECT count(*) FROM outbox", "DELETE FROM outbox", "DELETE FROM jobs", "TRUNCATE handled"],
)
async def test_authenticated_has_only_what_the_gateway_uses(
    postgrest: asyncpg.Connection, job: object, statement: str
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        async with postgrest.transaction():
            await as_api_role(postgrest, "authenticated")
            await postgrest.execute(statement)
