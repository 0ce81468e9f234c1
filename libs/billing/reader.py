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


def period_query(period: Period) -> tuple[str, list[object]]:
    """The SQL and arguments selecting the period's billed events in log order."""
    sql = (
        f"SELECT position, event_id, job_id, user_id, type, schema_version, {BILLED.sql()},"
        " occurred_at, recorded_at FROM job_events"
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
            yield [
                BilledEvent(
                    position=r[0],
                    event_id=r[1],
                    job_id=r[2],
                    user_id=r[3],
                    type=r[4],
                    occurred_at=r[7],
                    recorded_at=r[8],
                    payload=loads(r[6]) if current[r[4]] == r[5] else values(r[4], r[5], r[6]),
                )
                for r in rows
            ]
