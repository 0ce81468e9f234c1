"""Reads the billed events of a period from `job_events`, oldest first.

A period is half-open on `recorded_at` (when the event entered the record): [start, end).
Once `end` has passed no event can enter the period, so exporting a closed period twice
gives the same rows; an event that happened before a cut-off but was recorded after it
bills in the next period, never reopening one already invoiced.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import orjson

from libs.billing.lines import BILLED_TYPES, BilledEvent
from libs.events.catalogue import CATALOGUE
from libs.events.log_scan import READ_CHUNK, scan
from libs.events.projection import Projection


@dataclass(frozen=True, slots=True)
class Period:
    """The events an export covers: recorded in [start, end), of one user if given."""

    start: datetime
    end: datetime
    user_id: UUID | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a billing period needs timezone-aware bounds")
        if self.end <= self.start:
            raise ValueError("a billing period must end after it starts")


# Billing reads the usage lines and the language of each billed event, nothing else.
BILLED = Projection(
    {
        t: tuple(name for name in ("language", "usage") if name in CATALOGUE[t].model_fields)
        for t in BILLED_TYPES
    }
)


def time_text(column: str) -> str:
    """SQL of a timestamptz column as `TimeText` (UTC, six fraction digits, a Z)."""
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def period_query(period: Period) -> tuple[str, list[object]]:
    """The SQL and arguments selecting the period's billed events in log order, ids and
    times as the text the exports write (PostgreSQL formats them as it reads them)."""
    sql = (
        "SELECT position, event_id::text, job_id::text, user_id::text, type, schema_version,"
        f" {BILLED.sql()}, {time_text('occurred_at')}, {time_text('recorded_at')}"
        " FROM job_events"
        " WHERE type = ANY($1::text[]) AND recorded_at >= $2 AND recorded_at < $3"
    )
    args: list[object] = [list(BILLED_TYPES), period.start, period.end]
    if period.user_id is not None:
        sql += " AND user_id = $4"
        args.append(period.user_id)
    # `position` is unique and never changes: the one order that makes exports repeatable.
    return sql + " ORDER BY position", args


async def billed_events(
    conn: asyncpg.Connection, period: Period, chunk: int = READ_CHUNK
) -> AsyncIterator[list[BilledEvent]]:
    """The period's events in chunks, each payload upcast to its current version.

    Runs in one repeatable-read snapshot, so a long export sees one state of the log.
    """
    sql, args = period_query(period)
    values = BILLED.values
    loads = orjson.loads
    # A current version needs no upcasting: its JSON is read as it is.
    current = {t: CATALOGUE[t].version for t in BILLED_TYPES}
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        async for rows in scan(conn, sql, *args, chunk=chunk):
            events: list[BilledEvent] = []
            for position, event_id, job_id, user, kind, version, raw, occurred, recorded in rows:
                payload = loads(raw) if current[kind] == version else values(kind, version, raw)
                events.append(
                    BilledEvent(position, event_id, job_id, user, kind, occurred, recorded, payload)
                )
            yield events
