"""One request's database work as the caller: a transaction in the role `authenticated` with
the caller's JWT claims set locally, so row-level security (migration 0010) decides what it sees."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from libs.auth.tokens import Principal
from libs.events.job_log import JobLog
from libs.events.one_connection import OneConnection
from libs.events.postgres_job_views import PostgresJobViews
from libs.events.postgres_log import PostgresLog

# Both settings are transaction-local (`true`): they end with the transaction, so a pooled
# connection never carries one caller's identity into the next request.
BECOME_CALLER = (
    "SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)"
)


@dataclass(frozen=True, slots=True)
class UserSession:
    """The caller's view of the log and the read model, on their transaction."""

    db: OneConnection
    jobs: JobLog
    views: PostgresJobViews


@asynccontextmanager
async def user_session(pool: asyncpg.Pool, caller: Principal) -> AsyncIterator[UserSession]:
    """Open a transaction as `caller`; commit when the block ends, roll back if it raises."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(BECOME_CALLER, claims_of(caller))
        db = OneConnection(conn)
        yield UserSession(db, JobLog(PostgresLog(db)), PostgresJobViews(db))


def claims_of(caller: Principal) -> str:
    """The caller's claims as `request.jwt.claims` holds them (`auth.uid()` reads `sub`)."""
    claims = {**caller.claims, "sub": str(caller.user_id), "role": caller.role}
    return json.dumps(claims, default=str)
