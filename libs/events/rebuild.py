"""Rebuilds the progress views from `job_events` into shadow tables, then swaps them in.

Readers never see half a view: the swap is one transaction, taken under the append lock
after catching up with whatever was appended while the rebuild read the log.

The log is read in large chunks, the next on its way while the fold works on this one,
and each payload only as far as the fold needs it (`FOLDED_FIELDS`, a `Projection`). The
fold runs over plain JSON values (`view_fold`, `evolve`'s twin), and the views' JSON is
written straight from them.
"""

import gc
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from libs.events.catalogue import Payload
from libs.events.job_view import FOLDED_FIELDS, FoldEvent, JobView, evolve
from libs.events.log_scan import READ_CHUNK, scan
from libs.events.projection import Projection
from libs.events.view_fold import JsonView, fold_rows, view_record
from libs.events.view_rows import COLUMNS, UPSERT_VIEWS

VIEW_TABLES = ("jobs",)
SHADOW = "_rebuild"
WRITE_BATCH = 20_000  # views a COPY into the shadow table
FOLD = Projection(FOLDED_FIELDS)
# The envelope fields the fold reads (`FoldEvent`), then the payload as far as it does.
REPLAY_QUERY = (
    f"SELECT position, job_id, seq, type, schema_version, {FOLD.sql()}, occurred_at"
    " FROM job_events WHERE position > $1 ORDER BY position"
)


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


@dataclass(frozen=True, slots=True)
class Replayed:
    """An event as a replay reads it: what `evolve` needs, nothing more."""

    position: int
    job_id: UUID
    seq: int
    occurred_at: datetime
    payload: Payload


def replayed(rows: Sequence[asyncpg.Record]) -> Iterator[Replayed]:
    """Rows selected by `REPLAY_QUERY` as events for the fold."""
    payload = FOLD.payload
    for position, job_id, seq, event_type, version, raw, occurred_at in rows:
        yield Replayed(position, job_id, seq, occurred_at, payload(event_type, version, raw))


def fold(
    events: Iterable[FoldEvent], views: dict[UUID, JobView] | None = None
) -> dict[UUID, JobView]:
    """Fold events in log order into views (pure)."""
    views = {} if views is None else views
    for e in events:
        views[e.job_id] = evolve(views.get(e.job_id), e)
    return views


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a fold allocates millions of long-lived objects
    and frees none, so every collection would walk them all for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def rebuild_views(pool: asyncpg.Pool, chunk: int = READ_CHUNK) -> RebuildResult:
    """Replay every event into fresh views and swap them for the live ones."""
    started = time.perf_counter()
    views: dict[UUID, JsonView] = {}
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
        with collector_paused():
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                async for rows in scan(conn, REPLAY_QUERY, 0, chunk=chunk):
                    fold_rows(rows, views)
                    last = rows[-1][0]
                    count += len(rows)
            # The bulk of the writing happens before any lock: appends go on meanwhile.
            await _copy_views(conn, list(views.values()), WRITE_BATCH)
        async with conn.transaction():
            # Table locks first, then the append lock, in the order writers take them
            # (row locks on jobs, then the append lock): no deadlock with a writer.
            await conn.execute(f"LOCK TABLE {', '.join(VIEW_TABLES)} IN ACCESS EXCLUSIVE MODE")
            await conn.execute("SELECT redub_append_lock()")
            late = await conn.fetch(REPLAY_QUERY, last)
            fold_rows(late, views)
            count += len(late)
            caught_up = {r[1] for r in late}
            await _upsert_views(conn, [views[j] for j in caught_up])
            for table in VIEW_TABLES:
                live = await _index_names(conn, table)
                await conn.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
                await conn.execute(f"ALTER TABLE {table}{SHADOW} RENAME TO {table}")
                await conn.execute(f"DROP TABLE {table}_old")
                await _restore_index_names(conn, table, live)
    return RebuildResult(count, len(views), time.perf_counter() - started)


async def _copy_views(conn: asyncpg.Connection, views: list[JsonView], chunk: int) -> None:
    """COPY views into the empty shadow table (no conflicts possible, so no upserts)."""
    for i in range(0, len(views), chunk):
        await conn.copy_records_to_table(
            f"jobs{SHADOW}", records=map(view_record, views[i : i + chunk]), columns=COLUMNS
        )


async def _upsert_views(conn: asyncpg.Connection, views: list[JsonView]) -> None:
    """Upsert the views the catch-up changed into the shadow table."""
    if views:
        rows = [dict(zip(COLUMNS, view_record(v), strict=True)) for v in views]
        for row in rows:
            row["view"] = orjson.Fragment(row["view"])
        document = orjson.dumps(rows, default=str, option=orjson.OPT_UTC_Z).decode()
        await conn.execute(UPSERT_VIEWS.format(jobs="jobs" + SHADOW), document)


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
