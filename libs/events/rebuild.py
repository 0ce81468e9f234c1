"""Rebuilds the progress views from `job_events` into shadow tables, then swaps them in.

Readers never see half a view: the swap is one transaction, taken under the append lock
after catching up with whatever was appended while the rebuild read the log.

The log is read in large chunks, the next on its way while the fold works on this one,
and each payload only as far as the fold needs it (`FOLDED_FIELDS`, a `Projection`). The
fold runs over plain JSON values (`view_fold`, `evolve`'s twin), and the views' JSON is
written straight from them.
"""

import asyncio
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from libs.events.catalogue import Payload
from libs.events.collector_pause import collector_paused
from libs.events.job_view import FOLDED_FIELDS, FoldEvent, JobView, evolve
from libs.events.log_scan import READ_CHUNK, scan
from libs.events.projection import Projection
from libs.events.view_fold import JsonView, fold_rows, view_record
from libs.events.view_rows import COLUMNS, UPSERT_VIEWS

VIEW_TABLES = ("jobs",)
SHADOW = "_rebuild"
FOLD = Projection(FOLDED_FIELDS)
# The envelope fields the fold reads (`FoldEvent`), then the payload as far as it does.
REPLAY_QUERY = (
    f"SELECT position, job_id, seq, type, schema_version, {FOLD.sql()}, occurred_at"
    " FROM job_events WHERE position > $1 ORDER BY position"
)
JOBS_QUERY = REPLAY_QUERY.replace("position > $1", "job_id = ANY($1::uuid[])")


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


async def rebuild_views(
    pool: asyncpg.Pool, chunk: int = READ_CHUNK, *, dsn: str | None = None, workers: int = 1
) -> RebuildResult:
    """Replay every event into fresh views and swap them for the live ones.

    With `workers` > 1 (and the `dsn` they connect with) the jobs are split by id over that
    many processes, each folding its share of one snapshot of the log and writing its views.
    """
    if workers > 1 and dsn is None:
        raise ValueError("folding in several processes needs the database URL")
    started = time.perf_counter()
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
        # The bulk of the work happens before any lock: appends go on meanwhile.
        if workers > 1 and dsn is not None:
            last, count, jobs = await _fold_in_processes(conn, dsn, workers, chunk)
        else:
            last, count, jobs = await _fold_share(conn, None, 0, 1, chunk)
        async with conn.transaction():
            # Table locks first, then the append lock, in the order writers take them
            # (row locks on jobs, then the append lock): no deadlock with a writer.
            await conn.execute(f"LOCK TABLE {', '.join(VIEW_TABLES)} IN ACCESS EXCLUSIVE MODE")
            await conn.execute("SELECT redub_append_lock()")
            late = await conn.fetch(REPLAY_QUERY, last)
            count += len(late)
            if late:
                # The jobs the late events belong to are folded again whole: their views
                # may be in another process, gone by now.
                views: dict[UUID, JsonView] = {}
                rows = await conn.fetch(JOBS_QUERY, list({r[1] for r in late}))
                fold_rows(rows, views)
                await _upsert_views(conn, list(views.values()))
                # Jobs with no event in the snapshot are new: the shares counted the others.
                jobs += len(views.keys() - {r[1] for r in rows if r[0] <= last})
            for table in VIEW_TABLES:
                live = await _index_names(conn, table)
                await conn.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
                await conn.execute(f"ALTER TABLE {table}{SHADOW} RENAME TO {table}")
                await conn.execute(f"DROP TABLE {table}_old")
                await _restore_index_names(conn, table, live)
    return RebuildResult(count, jobs, time.perf_counter() - started)


def _share_query(share: int, shares: int) -> str:
    """`REPLAY_QUERY` for the jobs of one share (by a byte of the job id: ids are random)."""
    if shares == 1:
        return REPLAY_QUERY
    where = f"WHERE get_byte(uuid_send(job_id), 15) % {int(shares)} = {int(share)} AND "
    return REPLAY_QUERY.replace("WHERE ", where)


async def _fold_share(
    conn: asyncpg.Connection, snapshot: str | None, share: int, shares: int, chunk: int
) -> tuple[int, int, int]:
    """Fold one share of the jobs as of `snapshot` (or a fresh one) and COPY their views into
    the shadow table; returns the snapshot's last position, the events folded and the views."""
    views: dict[UUID, JsonView] = {}
    count = 0
    with collector_paused():
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            if snapshot is not None:
                await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            last: int = await conn.fetchval("SELECT coalesce(max(position), 0) FROM job_events")
            async for rows in scan(conn, _share_query(share, shares), 0, chunk=chunk):
                fold_rows(rows, views)
                count += len(rows)
        jobs = len(views)
        await _copy_views(conn, views)
    return last, count, jobs


async def _fold_in_processes(
    conn: asyncpg.Connection, dsn: str, workers: int, chunk: int
) -> tuple[int, int, int]:
    """Fold share 0 here and the others in child processes, all from one exported snapshot
    (held open by a connection of its own until every share has read it)."""
    holder = await asyncpg.connect(dsn)
    try:
        async with holder.transaction(isolation="repeatable_read", readonly=True):
            snapshot: str = await holder.fetchval("SELECT pg_export_snapshot()")
            loop = asyncio.get_running_loop()
            with ProcessPoolExecutor(workers - 1, mp_context=get_context("spawn")) as children:
                others = [
                    loop.run_in_executor(
                        children, _fold_share_process, dsn, snapshot, k, workers, chunk
                    )
                    for k in range(1, workers)
                ]
                try:
                    last, count, jobs = await _fold_share(conn, snapshot, 0, workers, chunk)
                finally:
                    done = await asyncio.gather(*others, return_exceptions=True)
            for result in done:
                if isinstance(result, BaseException):
                    raise result
                count += result[1]
                jobs += result[2]
    finally:
        await holder.close()
    return last, count, jobs


def _fold_share_process(
    dsn: str, snapshot: str, share: int, shares: int, chunk: int
) -> tuple[int, int, int]:
    """`_fold_share` in a child process, on a connection of its own."""

    async def run() -> tuple[int, int, int]:
        conn = await asyncpg.connect(dsn)
        try:
            return await _fold_share(conn, snapshot, share, shares, chunk)
        finally:
            await conn.close()

    return asyncio.run(run())


async def _copy_views(conn: asyncpg.Connection, views: dict[UUID, JsonView]) -> None:
    """COPY views into the empty shadow table (no conflicts possible, so no upserts), taking
    each out of `views` as it goes: a view is freed as soon as it is written, while
    PostgreSQL stores the ones before, rather than all at once when the fold is done."""

    def records() -> Iterator[tuple[Any, ...]]:
        for job in list(views):
            yield view_record(views.pop(job))

    await conn.copy_records_to_table(f"jobs{SHADOW}", records=records(), columns=COLUMNS)


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
