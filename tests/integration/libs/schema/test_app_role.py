"""The services' role, checked by the database: it appends and reads, and nothing more."""

import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import psycopg
import pytest
from psycopg import sql

from libs.events.postgres_store import PostgresEventStore
from libs.schema.app_role import (
    APP_GROUP,
    DEV_APP_PASSWORD,
    DEV_APP_USER,
    PrivilegedAppRole,
    ensure_app_login,
    url_as,
)
from libs.schema.migrate import migrate
from tests.conftest import with_database
from tests.support.builders import new_job


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection as the services' login role, with one job in the log."""
    app_url = ensure_app_login(database_url, DEV_APP_USER, DEV_APP_PASSWORD)
    store = await PostgresEventStore.connect(app_url, max_size=1)
    await store.append([new_job()])
    await store.close()
    conn = await asyncpg.connect(app_url)
    yield conn
    await conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE job_events SET type = 'job.completed'",
        "DELETE FROM job_events",
        "TRUNCATE job_events",
        "ALTER TABLE job_events DISABLE TRIGGER job_events_no_update_delete",
        "ALTER TABLE job_events DISABLE TRIGGER ALL",
        "DROP TRIGGER job_events_no_truncate ON job_events",
        "ALTER TABLE job_events ADD COLUMN note text",
        "DROP TABLE job_events",
        "SET session_replication_role = replica",
        "CREATE TABLE scratch (x int)",
        "ALTER ROLE redub_service SUPERUSER",
        "DELETE FROM jobs",
    ],
)
async def test_app_role_cannot_change_history_or_the_schema(
    app: asyncpg.Connection, statement: str
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await app.execute(statement)
    assert await app.fetchval("SELECT count(*) FROM job_events") == 1


async def test_app_role_is_no_superuser_and_owns_nothing(app: asyncpg.Connection) -> None:
    me = await app.fetchrow(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles"
        " WHERE rolname = current_user"
    )
    assert me is not None and not any(me.values())
    assert await app.fetchval("SELECT current_user") == DEV_APP_USER
    assert await app.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')", APP_GROUP)
    owned = await app.fetchval(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND pg_has_role(current_user, c.relowner, 'MEMBER')"
    )
    assert owned == 0


def test_login_role_is_made_idempotently_and_never_from_a_superuser(database_url: str) -> None:
    first = ensure_app_login(database_url, DEV_APP_USER, DEV_APP_PASSWORD)
    assert ensure_app_login(database_url, DEV_APP_USER, DEV_APP_PASSWORD) == first
    with psycopg.connect(first) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (DEV_APP_USER,)
    with pytest.raises(PrivilegedAppRole):
        ensure_app_login(database_url, "postgres", "x")


def test_url_keeps_host_port_and_database() -> None:
    url = url_as("postgresql://owner:pw@db.example:6543/redub?sslmode=require", "svc", "p@ss")
    assert url == "postgresql://svc:p%40ss@db.example:6543/redub?sslmode=require"


@pytest.fixture
def owned_database(pg_admin_url: str) -> Iterator[str]:
    """A database owned by a CREATEROLE role that is no superuser (Supabase's `postgres`)."""
    name = f"t_owned_{uuid.uuid4().hex[:8]}"
    role, db = sql.Identifier(name), sql.Identifier(name)
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD 'owner'").format(role))
        conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(db, role))
    try:
        yield url_as(with_database(pg_admin_url, name), name, "owner")
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(db))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


def test_migrations_run_as_a_database_owner_that_is_no_superuser(owned_database: str) -> None:
    assert migrate(owned_database) > 0
    with psycopg.connect(owned_database) as conn:
        assert conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone() == (False,)
        grants = conn.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants"
            " WHERE grantee = %s AND table_name = 'job_events' ORDER BY 1",
            (APP_GROUP,),
        ).fetchall()
    assert grants == [("INSERT",), ("SELECT",)]
    assert migrate(owned_database) == 0, "a second run has nothing to do"
