"""Rebuilds the progress views from `job_events` into shadow tables, then swaps them in.

Readers never see half a view: the swap is one transaction, taken under the append lock
after catching up with whatever was appended while the rebuild read the log.
"""

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from libs.events.codec import EVENT_COLUMNS, event_from_row
from libs.events.envelope import RecordedEvent
from libs.events.job_view import JobView, evolve
from libs.events.view_rows import COLUMNS, view_columns, write_views

VIEW_TABLES = ("jobs",)
SHADOW = "_rebuild"


@dataclass(frozen=True, slots=True)
class RebuildResult:
    """How much was replayed and how fast."""

    events: int
    jobs: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        """Replay throughput."""
        return self.events / self.seconds if self.seconds else 0.0


def fold(
    events: Iterable[RecordedEvent], views: dict[UUID, JobView] | None = None
) -> dict[UUID, JobView]:
    """Fold events in log order into views (pure)."""
    views = {} if views is None else views
    for e in events:
        views[e.job_id] = evolve(views.get(e.job_id), e)
    return views


async def rebuild_views(pool: asyncpg.Pool, chunk: int = 20_000) -> RebuildResult:
    """Replay every event into fresh views and swap them for the live ones."""
    started = time.perf_counter()
    views: dict[UUID, JobView] = {}
    last = 0
    count = 0
    async with pool.acquire() as conn:
        for table in VIEW_TABLES:
            await conn.execute(f"DROP TABLE IF EXISTS {table}{SHADOW}")
            await conn.execute(f"CREATE TABLE {table}{SHADOW} (LIKE {table} INCLUDING ALL)")
            # LIKE does not carry storage parameters (e.g. `jobs`' toast_tuple_target).
            options = await conn.fetchval(
                "SELECT reloptions FROM pg_class WHERE oid = $1::regclass", table
            )
            if options:
                await conn.execute(f"ALTER TABLE {table}{SHADOW} SET ({', '.join(options)})")
            # Nor grants: the services' role must keep its access to the swapped-in table.
            await _copy_grants(conn, table, table + SHADOW)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            cursor = conn.cursor(
                f"SELECT {EVENT_COLUMNS} FROM job_events ORDER BY position", prefetch=chunk
            )
            async for r in cursor:
                e = event_from_row(r)
                views[e.job_id] = evolve(views.get(e.job_id), e)
                last = e.position
                count += 1
        # The bulk of the writing happens before any lock: appends go on meanwhile.
        await _copy_views(conn, list(views.values()), chunk)
        async with conn.transaction():
            # Table locks first, then the append lock, in the order writers take them
            # (row locks on jobs, then the append lock): no deadlock with a writer.
            await conn.execute(f"LOCK TABLE {', '.join(VIEW_TABLES)} IN ACCESS EXCLUSIVE MODE")
            await conn.execute("SELECT redub_append_lock()")
            rows = await conn.fetch(
                f"SELECT {EVENT_COLUMNS} FROM job_events WHERE position > $1 ORDER BY position",
                last,
            )
            late = [event_from_row(r) for r in rows]
            fold(late, views)
            count += len(late)
            caught_up = {e.job_id for e in late}
            await write_views(conn, [views[j] for j in caught_up], suffix=SHADOW)
            for table in VIEW_TABLES:
                live = await _index_names(conn, table)
                await conn.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
                await conn.execute(f"ALTER TABLE {table}{SHADOW} RENAME TO {table}")
                await conn.execute(f"DROP TABLE {table}_old")
                await _restore_index_names(conn, table, live)
    return RebuildResult(count, len(views), time.perf_counter() - started)


async def _copy_views(conn: asyncpg.Connection, views: list[JobView], chunk: int) -> None:
    """COPY views into the empty shadow table (no conflicts possible, so no upserts)."""
    for i in range(0, len(views), chunk):
        columns = view_columns(views[i : i + chunk])
        if columns[0]:
            await conn.copy_records_to_table(
                f"jobs{SHADOW}", records=zip(*columns, strict=True), columns=COLUMNS
            )


async def _copy_grants(conn: asyncpg.Connection, source: str, target: str) -> None:
    """Grant on `target` what others than the owner were granted on `source`."""
    rows = await conn.fetch(
        "SELECT grantee, string_agg(privilege_type, ', ') AS privileges"
        " FROM information_schema.role_table_grants"
        " WHERE table_schema = current_schema() AND table_name = $1 AND grantee <> current_user"
        " GROUP BY grantee",
        source,
    )
    for r in rows:
        grantee = "PUBLIC" if r["grantee"] == "PUBLIC" else f'"{r["grantee"]}"'
        await conn.execute(f"GRANT {r['privileges']} ON {target} TO {grantee}")


async def _index_names(conn: asyncpg.Connection, table: str) -> dict[str, str]:
    """Index definition (without its name and table) -> index name."""
    rows = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = current_schema() AND tablename = $1",
        table,
    )
    return {re.sub(r"INDEX \S+ ON \S+", "INDEX ON", r["indexdef"]): r["indexname"] for r in rows}


async def _restore_index_names(conn: asyncpg.Connection, table: str, live: dict[str, str]) -> None:
    # LIKE ... INCLUDING ALL names the shadow's indexes after the shadow; give them the
    # live names back so later migrations can refer to them (a PK's constraint follows).
    for definition, name in (await _index_names(conn, table)).items():
        wanted = live.get(definition)
        if wanted and wanted != name:
            await conn.execute(f'ALTER INDEX "{name}" RENAME TO "{wanted}"')
